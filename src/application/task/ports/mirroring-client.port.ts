import type { Row } from '../../../domain/changes/cell-value.ts'
import type { RowOperation } from '../../../domain/changes/change-batch.ts'
import type {
  AuthenticateReply,
  WireReplicationSummary,
  WireRow,
  WireTableLsn,
  WireTableSchema,
} from '../../../domain/protocol/messages.ts'
import type { TableSchema } from '../../../domain/schema/table-schema.ts'

/** A row already serialised for the wire; `bytes` is its exact size in the request. */
export interface EncodedRow {
  readonly bytes: number
}

export interface OutgoingBatch {
  readonly table: WireTableSchema
  readonly lsn: number
  readonly rows: readonly EncodedRow[]
}

/** Thrown by a client call that got no usable reply (HTTP error, SOAP Fault, timeout, unreadable XML). */
export class MirroringCallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MirroringCallError'
  }
}

/** `IsSuccessful=false` and the partner's ErrorMessage, or the reply's content. */
export type CallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string }

/**
 * The partner's mirroring client service as the Mirroring Task sees it (protocol.md §3): one
 * call per operation, each with its own SignedToken. Rows are encoded up front so that the
 * task can cut batches to the byte budget without serialising twice.
 */
export interface MirroringClient {
  authenticate(token: string): Promise<CallOutcome<AuthenticateReply>>
  tableSchema(token: string, tables: readonly WireTableSchema[]): Promise<CallOutcome<readonly WireTableLsn[]>>
  rowData(token: string, batches: readonly OutgoingBatch[]): Promise<CallOutcome<void>>
  wipe(token: string, table: string): Promise<CallOutcome<void>>
  replicationCompleted(token: string, summary: readonly WireReplicationSummary[]): Promise<CallOutcome<void>>

  encodeRow(row: WireRow): EncodedRow
  /**
   * Encodes rows of `table` from their values, as `encodeRow` of their wire form would: a full
   * load's rows go this way. Each row it makes is sent at most once (it may be written into
   * memory used again once the row has gone into a request).
   */
  rowEncoder(table: TableSchema): (operation: RowOperation, row: Row) => EncodedRow
  /** Bytes of a RowData request around its batches' rows: envelope, token, one batch's TableInfo. */
  overhead(table: WireTableSchema): number
}

export interface MirroringClientFactory {
  /** A client for an application's registered mirroring URL. */
  forUrl(url: string): MirroringClient
}
