import type { ChangeBatch, InPlaceEncoder } from '../../domain/changes/change-batch.ts'
import type { Lsn, StaleBatchPolicy } from '../../domain/changes/lsn.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import type { IdentifierLimit } from '../../domain/schema/identifier.ts'
import type { SchemaChangeKind, TablePlan } from '../../domain/schema/schema-plan.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'

/** One row of the tenant's metadata table `<contextId>_mirroring` (wire-profile §3). */
export interface MirrorTableState {
  /** The table's name as the mirror created it. */
  readonly table: string
  readonly lsn: Lsn
  readonly schemaHash: string
  /** The schema the table was built with; undefined when the stored text no longer parses. */
  readonly schema: TableSchema | undefined
  /** Only tables the mirror created are ever dropped by it. */
  readonly createdByMirror: boolean
  /** ISO 8601 time of the last schema change, wipe or batch. */
  readonly updatedAt: string
}

export interface MirrorState {
  /** Metadata rows by lower-cased table name. */
  readonly tables: ReadonlyMap<string, MirrorTableState>
  /** Lower-cased names of the tables that physically exist in the mirror database. */
  readonly physicalTables: ReadonlySet<string>
}

export interface ReadStateOptions {
  /** The caller accepts a reused answer (see `readState`). */
  readonly reuse?: boolean
}

/** What became of one batch of an `applyBatches` call. */
export interface BatchOutcome {
  readonly applied: boolean
  /** The table's LSN before the batch. */
  readonly storedLsn: Lsn
}

export interface AppliedPlan {
  /** What was done; a dialect may turn an alter into a recreate. */
  readonly change: SchemaChangeKind
  /** The table's LSN afterwards: kept by unchanged and alter, -1 after create and recreate. */
  readonly lsn: Lsn
  /** Things the engine could not keep, e.g. an untranslatable default; the rows are unaffected. */
  readonly warnings: readonly string[]
}

/**
 * One tenant's mirror database: what the use cases call, and no more. Every write method is one
 * transaction: it happens whole or not at all, the metadata row included. Implementations are
 * the Kysely adapter (per SQL dialect) and the in-memory one; both pass
 * `src/testing/mirror-database-contract.ts`. Reading rows, counting them and setting an LSN by
 * hand are inspection (`mirror-inspection.port.ts`), kept apart so a wrapper forwards only this.
 */
export interface MirrorDatabase {
  readonly contextId: ContextId

  /**
   * The longest table or column name this tenant's engine keeps; longer ones are refused up
   * front. Per tenant, since one provider's tenants may live on engines with different limits.
   */
  readonly identifierLimit: IdentifierLimit

  /**
   * `applyBatches` writes batches left undecoded (ChangeBatch.inPlace) from the request's text
   * without decoding them: the caller decodes RowData with `inPlace` for such a mirror. Such a
   * write may let the request's text go (WireRows.release), after which a batch's `upserts`
   * cannot be read: a wrapper that forwards this counts a batch by its `received`, or leaves
   * it unset and is given decoded batches.
   */
  readonly writesInPlace?: boolean

  /**
   * With `writesInPlace`: writes such a batch's rows in the form `applyBatches` takes them while
   * the call is decoded, checking every value on the way (decodeBatch's DecodeOptions.encode), so
   * that its values are read once. A wrapper that does not forward it loses only that.
   */
  readonly encodeInPlace?: InPlaceEncoder | undefined

  /**
   * The metadata table's rows and the physical table names, in one read. With `tables`, only
   * those tables need be in the answer (a provider may give more): a RowData or Wipe call needs
   * its own tables, not the other few hundred of the tenant's.
   *
   * With `reuse` (and `tables`), the answer may be what this object last read or wrote of those
   * tables instead of a fresh read: a RowData call costs no catalog queries. Only tables found
   * whole (a metadata row with a schema, the physical table) are reused, and what this object
   * writes itself keeps them current; what another instance changed meanwhile is not seen, so
   * `applyBatches` compares each table's stored schema hash with the one reused and refuses a
   * batch decoded against an older schema (`StaleStateError`), forgetting it for the next call.
   */
  readState(tables?: readonly string[], options?: ReadStateOptions): Promise<MirrorState>

  /**
   * Creates, alters or recreates one table per the plan and stores `schemaHash`, the schema
   * and the resulting LSN. For `unchanged` only the metadata is refreshed. A table that exists
   * without a metadata row is replaced (the documented way to force a resync is to delete its
   * metadata row).
   */
  applyTablePlan(plan: TablePlan, schemaHash: string): Promise<AppliedPlan>

  /** Drops the named tables and their metadata rows, but only those the mirror created. */
  dropTables(tables: readonly string[]): Promise<void>

  /**
   * Applies every batch and stores each batch's LSN for its table, all in one transaction.
   * With the `skip` policy (the default) a batch superseded by the table's stored LSN, read
   * inside that transaction, writes nothing (`isSuperseded`). One outcome per batch, in order.
   */
  applyBatches(batches: readonly ChangeBatch[], policy?: StaleBatchPolicy): Promise<readonly BatchOutcome[]>

  /** Empties the table, keeping its definition, and sets its LSN to -1, in one transaction. */
  wipe(table: string): Promise<void>
}

/**
 * Resolves tenants to their mirror databases; the NuGet package's ResolveConnection. A provider
 * may be a MirrorInspector too (`isMirrorInspector`), as the built-in ones are.
 */
export interface MirrorDatabaseProvider {
  /** Opens (and on first use creates) the tenant's mirror database. */
  forTenant(contextId: ContextId): Promise<MirrorDatabase>
  /** Closes every open connection; calls in flight finish first. */
  close(): Promise<void>
  /**
   * Resolves when the mirror server answers (a cheap round trip on an admin connection), and
   * rejects with the reason when it does not: the start-up check and readiness. Optional for
   * providers that have no server to ask.
   */
  probe?(): Promise<void>
}

export type FailureClass = 'transient' | 'conflict' | 'fatal'

/**
 * A mirror write that the engine refused. Adapters throw it with a message safe to send back
 * (no row values, no credentials); the use cases turn it into `IsSuccessful=false`.
 */
export class MirrorStoreError extends Error {
  readonly classification: FailureClass
  readonly table: string | undefined

  constructor(message: string, classification: FailureClass, table?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MirrorStoreError'
    this.classification = classification
    this.table = table
  }
}

/**
 * `applyBatches` found that a table's stored schema is not the one a reused state gave the call
 * (`readState` with `reuse`): another instance changed the table meanwhile, and the batch was
 * decoded against the older schema. Nothing was written; the state is forgotten, so decoding the
 * call again against a fresh read is safe.
 */
export class StaleStateError extends MirrorStoreError {
  constructor(table: string) {
    super(
      `table ${table} was given a new schema since this instance last read it; the call can be sent again`,
      'transient',
      table,
    )
    this.name = 'StaleStateError'
  }
}
