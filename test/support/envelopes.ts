import type { WireReplicationSummary, WireRowBatch, WireTableSchema } from '../../src/domain/protocol/messages.ts'
import * as soap from '../../src/testing/soap-calls.ts'
import { mintToken, type TokenOptions } from './tokens.ts'

export { batch, peopleTable } from '../../src/testing/soap-calls.ts'
export type Call = soap.SoapCall

/*
 * The package's SOAP calls (src/testing/soap-calls.ts) with tokens signed by the test federated
 * key: the calls the real service, with its real verifier, is tested with.
 */

export async function authenticateCall(token?: TokenOptions | string): Promise<Call> {
  return soap.authenticateCall(await signed(token))
}

export async function tableSchemaCall(
  tables: readonly WireTableSchema[],
  token?: TokenOptions | string,
): Promise<Call> {
  return soap.tableSchemaCall(await signed(token), tables)
}

export async function rowDataCall(batches: readonly WireRowBatch[], token?: TokenOptions | string): Promise<Call> {
  return soap.rowDataCall(await signed(token), batches)
}

export async function wipeCall(table: string, token?: TokenOptions | string): Promise<Call> {
  return soap.wipeCall(await signed(token), table)
}

export async function completedCall(
  changedTables: readonly WireReplicationSummary[],
  token?: TokenOptions | string,
): Promise<Call> {
  return soap.replicationCompletedCall(await signed(token), changedTables)
}

async function signed(token: TokenOptions | string | undefined): Promise<string> {
  return typeof token === 'string' ? token : mintToken(token)
}
