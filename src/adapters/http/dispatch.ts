import { describeError } from '../../application/describe-error.ts'
import type { OperationError } from '../../application/operation-error.ts'
import type { OperationOutcome } from '../../application/operation-outcome.ts'
import type { OperationName } from '../../domain/protocol/messages.ts'
import type { Result } from '../../domain/shared/result.ts'
import {
  readAuthenticate,
  readReplicationCompleted,
  readRowData,
  readTableSchema,
  readWipe,
} from '../soap/request-readers.ts'
import { writeAuthenticateResponse, writeStatusResponse, writeTableSchemaResponse } from '../soap/response-writers.ts'
import type { IdentifiedRequest } from '../soap/soap-envelope.ts'
import { type CallSummary, callSummary, rowDataSummary } from './call-summary.ts'
import type { MirroringUseCases } from './mirroring-use-cases.ts'

export interface Dispatched {
  readonly xml: string
  readonly summary: CallSummary
}

/** Runs an identified request: read the body, call the use case, write the reply in WSDL order. */
export async function dispatch(request: IdentifiedRequest, useCases: MirroringUseCases): Promise<Dispatched> {
  switch (request.operation) {
    case 'Authenticate':
      return run(
        readAuthenticate(request),
        (r) => useCases.authenticate.execute(r),
        (value, error) => writeAuthenticateResponse(value, error),
        (outcome) => callSummary('Authenticate', outcome),
      )
    case 'TableSchema':
      return run(
        readTableSchema(request),
        (r) => useCases.syncTableSchemas.execute(r),
        (value, error) => writeTableSchemaResponse(value, error),
        (outcome) => callSummary('TableSchema', outcome),
      )
    case 'RowData':
      return run(
        readRowData(request),
        (r) => useCases.applyRowData.execute(r),
        (_, error) => writeStatusResponse('RowData', error),
        rowDataSummary,
      )
    case 'Wipe':
      return run(
        readWipe(request),
        (r) => useCases.wipeTable.execute(r),
        (_, error) => writeStatusResponse('Wipe', error),
        (outcome) => callSummary('Wipe', outcome),
      )
    case 'ReplicationCompleted':
      return run(
        readReplicationCompleted(request),
        (r) => useCases.completeReplication.execute(r),
        (_, error) => writeStatusResponse('ReplicationCompleted', error),
        (outcome) => callSummary('ReplicationCompleted', outcome),
      )
  }
}

async function run<I, O>(
  input: Result<I, OperationError>,
  execute: (input: I) => Promise<OperationOutcome<O>>,
  write: (value: O | undefined, error: string | undefined) => string,
  summarise: (outcome: OperationOutcome<O>) => CallSummary,
): Promise<Dispatched> {
  const outcome: OperationOutcome<O> = input.ok
    ? await execute(input.value)
    : { result: input, contextId: undefined, tables: 0, rows: 0 }
  const xml = outcome.result.ok
    ? write(outcome.result.value, undefined)
    : write(undefined, describeError(outcome.result.error))
  return { xml, summary: summarise(outcome) }
}

/** The reply to an identified request whose handling threw: IsSuccessful=false, no details. */
export function internalFailure(request: IdentifiedRequest, reference: string): string {
  return failureReply(request.operation, { kind: 'Internal', reference })
}

/** `IsSuccessful=false` for the operation, with the error's one-line message. */
export function failureReply(operation: OperationName, error: OperationError): string {
  const message = describeError(error)
  switch (operation) {
    case 'Authenticate':
      return writeAuthenticateResponse(undefined, message)
    case 'TableSchema':
      return writeTableSchemaResponse(undefined, message)
    default:
      return writeStatusResponse(operation, message)
  }
}
