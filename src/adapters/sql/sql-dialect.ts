import type { Kysely } from 'kysely'
import type { FailureClass } from '../../application/ports/mirror-database.port.ts'
import type { Row } from '../../domain/changes/cell-value.ts'
import type { WireRows } from '../../domain/protocol/messages.ts'
import type { AlterStep } from '../../domain/schema/schema-plan.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'
import type { TextFormat } from './tab-separated-buffers.ts'

/** A Kysely instance or a transaction on one, untyped: mirror tables are only known at run time. */
// biome-ignore lint/suspicious/noExplicitAny: table shapes come from the wire, not from TypeScript.
export type Db = Kysely<any>

export interface DialectCapabilities {
  /** DDL takes part in transactions (SQLite, PostgreSQL, SQL Server; not MySQL). */
  readonly transactionalDdl: boolean
  /** Bound parameters one statement may carry (SQLite 32766, PostgreSQL 65535, SQL Server 2100). */
  readonly maxBindParameters: number
  /** Longest identifier the engine keeps without truncating it, in `identifierUnit`s. */
  readonly maxIdentifierLength: number
  /** PostgreSQL counts identifier length in UTF-8 bytes; the others in characters. */
  readonly identifierUnit: 'characters' | 'bytes'
  /**
   * How the (tenant, table) locks that serialise calls across service instances are held:
   * `transaction` (released by commit: pg_advisory_xact_lock, sp_getapplock), `session`
   * (released explicitly after commit: MySQL's GET_LOCK), or `none` (one process per file: SQLite).
   */
  readonly lockScope: 'none' | 'transaction' | 'session'
  /** A batch with at least this many upserts takes the connector's bulk path when it has one. */
  readonly bulkThreshold: number
  /**
   * The connector's bulk path writes rows as text (COPY, LOAD DATA), which it can take straight
   * from the request's (BulkBatch.inPlace): RowData batches are then left undecoded where they can be.
   */
  readonly bulkText: boolean
}

/**
 * The SQL dialect seam, adapter-internal (style/anchors.md §4.5): everything that differs
 * between engines, composed of its parts (dialect-parts.ts) rather than inherited.
 * `KyselyMirrorDatabase` is generic over it and owns transactions and the metadata table.
 * Identifiers reaching a dialect were validated by the domain, and still reach SQL only through
 * Kysely's identifier nodes (quoted, quotes doubled); values always travel as bound parameters.
 * The only raw SQL is what the types and defaults parts produce from closed, validated domain values.
 */
export interface SqlDialect {
  readonly name: string
  readonly capabilities: DialectCapabilities
  readonly errors: DriverErrors
  readonly ddl: MirrorDdl
  readonly dml: MirrorDml
  /** The cross-instance table locks, where `capabilities.lockScope` is not `none`. */
  readonly locks?: TableLocks
}

export interface DriverErrors {
  /** transient (retry later), conflict (concurrent change), fatal (will fail again). */
  classify(error: unknown): FailureClass
  /** A one-line description of a driver error that carries no row value or credential. */
  describe(error: unknown): string
}

export interface MirrorDdl {
  /** Creates the metadata table when it does not exist. */
  ensureMetadataTable(db: Db, name: string): Promise<void>
  /** Creates a table with its key; returns warnings (dropped defaults). */
  createTable(db: Db, table: TableSchema): Promise<readonly string[]>
  /**
   * Performs alter steps in place, or returns undefined when the engine cannot; the caller
   * then recreates the table (LSN -1). The dialect decides, not the SQL builder.
   */
  alterTable(
    db: Db,
    from: TableSchema,
    to: TableSchema,
    steps: readonly AlterStep[],
  ): Promise<readonly string[] | undefined>
  dropTable(db: Db, table: string): Promise<void>
  /** Empties a table, keeping its definition. */
  truncateTable(db: Db, table: string): Promise<void>
  /**
   * Names of the tables in the mirror database (or schema); with `only` (lower-case names),
   * just those of them that exist.
   */
  listTables(db: Db, only?: readonly string[]): Promise<readonly string[]>
}

export interface MirrorDml {
  /** Inserts or updates whole rows by key, in statements sized to the parameter limit. */
  upsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void>
  /** Deletes rows by key values (positional to `table.key`); absent rows are no error. */
  deleteRows(db: Db, table: TableSchema, keys: readonly Row[]): Promise<void>
  /** Streams a table's rows in key order, decoded back to CellValues. */
  readRows(db: Db, table: TableSchema): AsyncIterable<Row>
}

export interface TableLocks {
  /**
   * Takes the locks for these keys, in the given (sorted) order, on the transaction's
   * connection (`lockScope` transaction) or the reserved session (`session`).
   */
  lock(db: Db, keys: readonly string[]): Promise<void>
  /** Releases session-scoped locks after the transaction ended (`lockScope` session). */
  unlock?(db: Db, keys: readonly string[]): Promise<void>
}

/**
 * The bulk path for big batches (COPY, a bulk load into a temporary table then one upsert, a
 * prepared statement kept across batches), inside the caller's transaction. A connector supplies
 * it, because the driver work runs on the connections it makes (driver-jobs.ts).
 */
export type BulkUpsert = ((db: Db, table: TableSchema, batch: BulkBatch) => Promise<void>) & {
  /** The text the path writes rows as (COPY's, LOAD DATA's), when it writes text: see textSpans. */
  readonly textFormat?: TextFormat
  /**
   * The path's own writer of rows left in place, when it writes them in a form of its own rather
   * than as `textFormat`'s text (PostgreSQL's binary COPY): what BulkBatch.encoded then holds.
   */
  readonly spans?: SpanWriter
}

/** Writes the rows of a batch read in place (ChangeBatch.inPlace) in a bulk path's own form. */
export interface SpanWriter {
  /** Whether every column of the table is of a type it writes. */
  takes(table: TableSchema): boolean
  /**
   * The rows written, each value checked as it is (as fitsWireSpanFast does); undefined when a
   * value is not of that shape: the batch is then decoded.
   */
  write(table: TableSchema, rows: WireRows): Buffer[] | undefined
}

/** What the caller knows of a bulk batch, and the dialect's plain way in when the fast one is refused. */
export interface BulkBatch {
  /**
   * The rows' keys are most likely not in the table yet: it is being loaded (its LSN is -1,
   * after a Wipe), or every row of the batch came as an insert (`I`: not there at the version
   * the mirror is at). A bulk path may then insert straight into the table, but must still give
   * upsert semantics when some are (a batch delivered twice).
   */
  readonly freshKeys: boolean
  /** The dialect's own upsert (MirrorDml.upsertRows). */
  readonly upsert: MirrorDml['upsertRows']
  /** How many rows the batch writes. */
  readonly count: number
  /** The rows, decoded (on the first call, where they came in place). */
  rows(): readonly Row[]
  /**
   * The same rows as the request holds them (ChangeBatch.inPlace), when every value was found
   * to take the fast path: a bulk path that writes text may encode them from there
   * (tabSeparatedSpans) without decoding them.
   */
  readonly inPlace?: WireRows
  /**
   * The rows in `textFormat`, or in `spans`' form where the path has it, written while the call
   * was decoded (ChangeBatch.encoded): what the path writes, not to be written again. Emptied
   * once the path returns.
   */
  readonly encoded?: Buffer[]
  /**
   * Everything this write needs of the rows is in the text it built from them: the request's text
   * may go before the server's wait (WireRows.release), rather than live on and be promoted by
   * the collector. After it neither `rows()` nor `inPlace` may be read.
   */
  release(): void
}

/** A default translated for the engine: SQL text, or undefined (dropped) with the reason. */
export interface RenderedDefault {
  readonly sql: string | undefined
  readonly warning?: string
}

export interface MetadataTypes {
  readonly name: string
  readonly hash: string
  readonly lsn: string
  readonly flag: string
  readonly document: string
  readonly timestamp: string
}
