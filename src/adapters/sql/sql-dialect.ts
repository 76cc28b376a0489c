import type { Kysely } from 'kysely'
import type { FailureClass } from '../../application/ports/mirror-database.port.ts'
import type { CellValue, Row } from '../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../domain/schema/column-type.ts'
import type { AlterStep } from '../../domain/schema/schema-plan.ts'
import type { ColumnSchema, TableSchema } from '../../domain/schema/table-schema.ts'

export type DialectName = 'sqlite' | 'postgres' | 'mysql' | 'mssql'

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
  /** A batch with at least this many upserts takes `bulkUpsertRows` when the dialect has one. */
  readonly bulkThreshold: number
}

/** What the caller knows of a bulk batch that lets a dialect take a faster way in. */
export interface BulkHint {
  /**
   * The table is being loaded (its LSN is -1, after a Wipe): its rows' keys are most likely not
   * in it yet. A dialect may then insert straight into the table, but must still give upsert
   * semantics when some are (a batch delivered twice).
   */
  readonly loading: boolean
}

/** A default translated for the engine: SQL text, or undefined (dropped) with the reason. */
export interface RenderedDefault {
  readonly sql: string | undefined
  readonly warning?: string
}

/**
 * The SQL dialect seam, adapter-internal (style/anchors.md §4.5): everything that differs
 * between engines. `KyselyMirrorDatabase` is generic over it and owns transactions and the
 * metadata table. Identifiers reaching a dialect were validated by the domain, and still reach
 * SQL only through Kysely's identifier nodes (quoted, quotes doubled); values always travel as
 * bound parameters. The only raw SQL is what `renderType` and `renderDefault` produce from
 * closed, validated domain values.
 */
export interface SqlDialect {
  readonly name: DialectName
  readonly capabilities: DialectCapabilities

  /** The engine's column type for a SQL Server type; the loss each accepts is in the README. */
  renderType(type: ColumnType): string

  /** The engine's default clause body for a column, or why it was dropped. */
  renderDefault(column: ColumnSchema): RenderedDefault

  /** Engine types of the metadata table's columns. */
  readonly metadataTypes: MetadataTypes

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

  /** Inserts or updates whole rows by key, in statements sized to the parameter limit. */
  upsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void>

  /**
   * The bulk path for big batches (COPY, bulk load into a temporary table, then one upsert),
   * inside the caller's transaction. Optional: without it big batches use `upsertRows`.
   */
  bulkUpsertRows?(db: Db, table: TableSchema, rows: readonly Row[], hint?: BulkHint): Promise<void>

  /**
   * Takes the cross-instance locks for these keys, in the given (sorted) order, on the
   * transaction's connection (`lockScope` transaction) or the reserved session (`session`).
   */
  lockKeys?(db: Db, keys: readonly string[]): Promise<void>

  /** Releases session-scoped locks after the transaction ended (`lockScope` session). */
  unlockKeys?(db: Db, keys: readonly string[]): Promise<void>

  /** Deletes rows by key values (positional to `table.key`); absent rows are no error. */
  deleteRows(db: Db, table: TableSchema, keys: readonly Row[]): Promise<void>

  /** Names of the tables in the mirror database (or schema). */
  listTables(db: Db): Promise<readonly string[]>

  /** Streams a table's rows in key order, decoded back to CellValues. */
  readRows(db: Db, table: TableSchema): AsyncIterable<Row>

  /** Engine value for a CellValue of the given column type. */
  toDriverValue(value: CellValue, type: ColumnType): unknown

  /** CellValue for a value the engine returned. */
  fromDriverValue(value: unknown, type: ColumnType): CellValue

  /** transient (retry later), conflict (concurrent change), fatal (will fail again). */
  classifyError(error: unknown): FailureClass

  /** A one-line description of a driver error that carries no row value or credential. */
  describeError(error: unknown): string
}

export interface MetadataTypes {
  readonly name: string
  readonly hash: string
  readonly lsn: string
  readonly flag: string
  readonly document: string
  readonly timestamp: string
}
