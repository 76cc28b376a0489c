import type { ContextId } from '../domain/handshake/context-id.ts'
import type { Result } from '../domain/shared/result.ts'
import type { OperationError } from './operation-error.ts'

/** A use case's answer plus what the call log needs: which tenant, how many tables and rows. */
export interface OperationOutcome<T> {
  readonly result: Result<T, OperationError>
  /** Known once the token was verified. */
  readonly contextId: ContextId | undefined
  readonly tables: number
  readonly rows: number
}

export function outcome<T>(
  result: Result<T, OperationError>,
  contextId: ContextId | undefined,
  tables = 0,
  rows = 0,
): OperationOutcome<T> {
  return { result, contextId, tables, rows }
}
