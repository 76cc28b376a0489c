import type { Row } from '../../../domain/changes/cell-value.ts'
import type { WireTableSchema } from '../../../domain/protocol/messages.ts'
import type { TableSchema } from '../../../domain/schema/table-schema.ts'

/** A net change since a version, as CHANGETABLE(CHANGES …) reports it (protocol.md §6.1). */
export interface SourceChange {
  /** `I` when the row did not exist at the baseline version, `U` when it did, `D` when it is gone. */
  readonly operation: 'I' | 'U' | 'D'
  /** The version of the row's last change. */
  readonly version: number
  /** The whole current row for I and U; for D the key values at the key positions, NULL elsewhere. */
  readonly row: Row
}

/**
 * A tenant's source database with change tracking (SQL Server's, or the project's trigger-based
 * equivalent on SQLite and PostgreSQL). Tables are described with SQL Server type strings, key
 * column first, as the Mirroring Task sends them.
 */
export interface ChangeSource {
  /** Switches database-level change tracking on (with its retention) when it is off. Idempotent. */
  enableTracking(): Promise<void>

  /** Every user table with a primary key, in wire form; tracking bookkeeping tables excluded. */
  readSchema(): Promise<readonly WireTableSchema[]>

  /** User tables without a primary key, by name: never mirrored (change tracking needs a key). */
  keylessTables(): Promise<readonly string[]>

  /** Tracks the table from now on; `justEnabled` when it was not tracked before (then it needs a full load). */
  trackTable(table: string): Promise<{ readonly justEnabled: boolean }>

  /**
   * Those of `tables` that trackTable would track anew (not tracked, or not with their current
   * key and triggers), in their order, checked at once: a cycle checks its 400 tables every time
   * and nearly always finds none. Optional: without it, trackTable checks each table itself.
   * Read without a transaction, as trackTable's own first check; trackTable decides under its lock.
   */
  tablesToTrack?(tables: readonly string[]): Promise<readonly string[]>

  /** Stops tracking the table and forgets its changes. */
  untrackTable(table: string): Promise<void>

  /**
   * Runs `work` against one consistent snapshot of the database (SQL Server: a snapshot
   * isolation transaction), so that the version read and the rows read agree.
   */
  snapshot<T>(work: (snapshot: SourceSnapshot) => Promise<T>): Promise<T>

  close(): Promise<void>
}

export interface SourceSnapshot {
  /** CHANGE_TRACKING_CURRENT_VERSION(). */
  currentVersion(): Promise<number>
  /** CHANGE_TRACKING_MIN_VALID_VERSION(table): changes older than this are forgotten. */
  minValidVersion(table: string): Promise<number>
  /** How many rows the table has (for progress). */
  countRows(table: string): Promise<number>
  /** How many net changes `readChanges` would return (for progress). */
  countChanges(table: string, since: number): Promise<number>
  /** Every row, streamed in key order, as canonical CellValues of the table's columns. */
  readRows(table: TableSchema): AsyncIterable<Row>
  /** Net changes with a version above `since` (and at most the current version), in version order, streamed. */
  readChanges(table: TableSchema, since: number): AsyncIterable<SourceChange>
  /**
   * The table as this snapshot sees it, in the form `readSchema` gives; undefined when it is gone.
   * The cycle read the schema before this snapshot began: a column added in between, and the
   * values written to it, would be read with the old columns and lost behind the new version.
   */
  tableSchema(table: string): Promise<WireTableSchema | undefined>
}

/** Opens tenants' source databases from the registry's source URL. */
export interface ChangeSourceFactory {
  open(sourceUrl: string): Promise<ChangeSource>
}
