import type { RowDataResult, SupersededBatch } from '../../application/apply-row-data.ts'
import type { OperationError } from '../../application/operation-error.ts'
import type { OperationOutcome } from '../../application/operation-outcome.ts'
import type { OperationCounts } from '../../domain/changes/change-batch.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import type { OperationName } from '../../domain/protocol/messages.ts'

/** Rows a RowData call wrote into one table. */
export interface TableRows {
  readonly table: string
  readonly rows: number
}

/** Where a RowData call's time went: parsing its body as it arrived, decoding its values, writing them. */
export interface RowDataPhases {
  /** Known when the HTTP adapter read the body: its pieces' UTF-8 decoding and XML scanning, not the waits between them. */
  readonly parseMs?: number
  readonly decodeMs: number
  /** Locks, the transaction and the engine's work, the wait for a database server included. */
  readonly writeMs: number
}

/** What a successful RowData call did to the mirror. */
export interface RowDataWritten {
  /** Rows written, by operation (I, U, D), as the batches carried them. */
  readonly rows: OperationCounts
  readonly tables: readonly TableRows[]
  /** Batches acknowledged without writing: their table already held a later LSN. */
  readonly superseded: readonly SupersededBatch[]
  /** Known when the service measured them (its use case has a stopwatch). */
  readonly phases?: RowDataPhases
  /**
   * Known when the HTTP adapter read the body: rows its scanner read tag by tag rather than whole
   * in the Mirroring Task's spelling (a few cut by the ends of the body's pieces; all when a
   * sender spells rows otherwise, which costs about twice the parsing).
   */
  readonly rowsScanned?: number
}

interface CallFacts {
  readonly operation: OperationName
  /** Known once the token verified. */
  readonly contextId: ContextId | undefined
  /** Tables and rows the request named, written or not. */
  readonly tables: number
  readonly rows: number
}

/**
 * One identified call once answered, typed by operation and outcome, so that the log line, the
 * metrics, the dashboard and replay read the same facts without looking into a use case's result.
 */
export type CallSummary =
  | (CallFacts & { readonly outcome: 'failed'; readonly error: OperationError })
  | (CallFacts & { readonly outcome: 'ok'; readonly operation: Exclude<OperationName, 'RowData'> })
  | (CallFacts & { readonly outcome: 'ok'; readonly operation: 'RowData'; readonly written: RowDataWritten })

/** A request that was no call at all: unreadable, too large, too slow, or refused as busy. */
export interface FaultSummary {
  readonly operation: 'none'
  readonly contextId: undefined
  readonly outcome: 'fault'
  /** The Fault's reason, free of request content. */
  readonly message: string
}

/** Every answered request, as the HTTP adapter tells its observer (the dashboard's activity, the metrics). */
export type CallEvent = (CallSummary | FaultSummary) & {
  readonly ms: number
  /** The log line's reference, for a failed or faulted call. */
  readonly reference?: string
}

export type FailedCall = Extract<CallSummary, { readonly outcome: 'failed' }>

/** Summarises a call that failed before or without a use case's own outcome (a refusal, a crash). */
export function failedCall(
  operation: OperationName,
  error: OperationError,
  contextId: ContextId | undefined,
  counted: Pick<CallFacts, 'tables' | 'rows'> = { tables: 0, rows: 0 },
): FailedCall {
  return { operation, contextId, ...counted, outcome: 'failed', error }
}

/** Summarises an operation other than RowData from its use case's outcome. */
export function callSummary(
  operation: Exclude<OperationName, 'RowData'>,
  outcome: OperationOutcome<unknown>,
): CallSummary {
  const { contextId, tables, rows } = outcome
  if (!outcome.result.ok) return failedCall(operation, outcome.result.error, contextId, { tables, rows })
  return { operation, contextId, tables, rows, outcome: 'ok' }
}

/** Summarises a RowData call: on success, the rows it wrote per operation and per table. */
export function rowDataSummary(outcome: OperationOutcome<RowDataResult>): CallSummary {
  const { contextId, tables, rows } = outcome
  if (!outcome.result.ok) return failedCall('RowData', outcome.result.error, contextId, { tables, rows })
  const counts = { inserts: 0, updates: 0, deletes: 0 }
  const perTable = new Map<string, number>()
  for (const { table, received } of outcome.result.value.batches) {
    counts.inserts += received.inserts
    counts.updates += received.updates
    counts.deletes += received.deletes
    const n = received.inserts + received.updates + received.deletes
    perTable.set(table.name, (perTable.get(table.name) ?? 0) + n)
  }
  const written: RowDataWritten = {
    rows: counts,
    tables: [...perTable].map(([table, n]) => ({ table, rows: n })),
    superseded: outcome.result.value.superseded,
    ...(outcome.result.value.times ? { phases: outcome.result.value.times } : {}),
  }
  return { operation: 'RowData', contextId, tables, rows, outcome: 'ok', written }
}

/** A summary with what reading its body showed, for a RowData call that was written: the parse's time, the rows scanned. */
export function withBodyFacts(summary: CallSummary, body: { parseMs: number; rowsScanned: number }): CallSummary {
  if (summary.operation !== 'RowData' || summary.outcome !== 'ok') return summary
  const { phases } = summary.written
  return {
    ...summary,
    written: {
      ...summary.written,
      ...(phases ? { phases: { ...phases, parseMs: body.parseMs } } : {}),
      rowsScanned: body.rowsScanned,
    },
  }
}
