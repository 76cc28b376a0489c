/**
 * The five operations' payloads as they travel on the wire (protocol.md §3.1), before any
 * validation. Numbers and booleans stay text here so that the domain, not the XML reader,
 * decides what is acceptable and names what is not. Both sides of tenant-mirror use them:
 * the client service reads them from SOAP, the Mirroring Task builds them.
 */
export interface WireColumn {
  readonly name: string
  /** SQL Server type string, e.g. `nvarchar(255)` (protocol.md §5). */
  readonly type: string
  /** `true` / `false` as sent. */
  readonly isNullable: string
  /** Empty, or `default (<SQL Server default definition>)`. */
  readonly defaultValue: string
}

export interface WireTableSchema {
  readonly name: string
  readonly columns: readonly WireColumn[]
}

/**
 * Whether nothing of the table can change any more (it, its columns and each column frozen), so
 * that what is worked out from it may be kept by the object: a SQLite source hands every cycle
 * the same frozen tables.
 */
export function isDeeplyFrozen(table: WireTableSchema): boolean {
  return Object.isFrozen(table) && Object.isFrozen(table.columns) && table.columns.every(Object.isFrozen)
}

export interface WireRow {
  /** `I`, `U` or `D` (wire-profile §5). */
  readonly operation: string
  /** Positional, one per TableInfo column; `null` is `i:nil="true"`. */
  readonly values: readonly (string | null)[]
  /**
   * For a writer of the row's XML: which values are known to hold no character XML must escape
   * (wireValueIsPlainXml of their columns), so that it need not test them.
   */
  readonly plain?: readonly boolean[]
}

/**
 * A batch's rows read one value at a time: what the client service reads a RowData request
 * into. It keeps offsets into the request's text rather than a string and an array per value
 * and row (adapters/soap/row-data-capture), which a call would otherwise hold by the million
 * until it is applied. `wireRows` reads a list of WireRow the same way.
 */
export interface WireRows {
  readonly length: number
  /** As sent, trimmed; empty when absent or nil. */
  operation(row: number): string
  width(row: number): number
  /** Value `column` of `row`, `null` for nil; `column` is below `width(row)`. */
  value(row: number, column: number): string | null
  /**
   * Where that value's text lies, for reading it in place without a string of its own: fills
   * `span` and is true, or is false for nil. Optional: `value` is the general way.
   */
  locate?(row: number, column: number, span: TextSpan): boolean
  /**
   * Lets go of the text the values lie in (a request's body), once everything the caller needs
   * of them was read: `value` and `locate` throw after it. Optional, like `locate`.
   */
  release?(): void
}

/** A value's text: `text` from `start` to `end`. Filled by WireRows.locate; reused from value to value. */
export interface TextSpan {
  text: string
  start: number
  end: number
}

export interface WireRowBatch {
  readonly table: WireTableSchema
  readonly lsn: string
  /** A list as a writer builds it, or rows read in place from a request. */
  readonly rows: readonly WireRow[] | WireRows
}

export interface WireTableLsn {
  readonly table: string
  readonly lsn: number
}

export interface WireReplicationSummary {
  readonly table: string
  readonly inserts: string
  readonly updates: string
  readonly deletes: string
}

/** Every request carries the SignedToken header and a ClientState (protocol.md §3). */
export interface WireRequestBase {
  readonly signedToken: string | undefined
  readonly clientState: string
}

export interface AuthenticateRequest extends WireRequestBase {}

export interface TableSchemaRequest extends WireRequestBase {
  readonly tables: readonly WireTableSchema[]
}

export interface RowDataRequest extends WireRequestBase {
  readonly batches: readonly WireRowBatch[]
}

export interface WipeRequest extends WireRequestBase {
  readonly table: string
}

export interface ReplicationCompletedRequest extends WireRequestBase {
  readonly changedTables: readonly WireReplicationSummary[]
}

export interface AuthenticateReply {
  readonly signedApplicationToken: string
  readonly supportedInterfaces: string
  readonly build: string
  readonly clientState: string
  readonly additionalInformationJson: string
}

export interface TableSchemaReply {
  readonly lsns: readonly WireTableLsn[]
}

export type OperationName = 'Authenticate' | 'TableSchema' | 'RowData' | 'Wipe' | 'ReplicationCompleted'

export const OPERATION_NAMES: readonly OperationName[] = [
  'Authenticate',
  'TableSchema',
  'RowData',
  'Wipe',
  'ReplicationCompleted',
]
