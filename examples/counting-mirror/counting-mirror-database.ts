import type {
  AppliedPlan,
  BatchOutcome,
  ChangeBatch,
  ContextId,
  MirrorDatabase,
  MirrorDatabaseProvider,
  MirrorState,
  StaleBatchPolicy,
  TablePlan,
} from 'tenant-mirror/core'

/** Rows one table received from applied batches. */
export interface RowCounts {
  readonly upserted: number
  readonly deleted: number
}

/**
 * A MirrorDatabase that wraps another and counts the rows each table is written, batch by
 * batch; everything else is forwarded. Only applied batches count: one the table's stored LSN
 * supersedes writes nothing. It forwards the narrow port the use cases call, and no more:
 * reading rows back is the inner database's inspection.
 */
export class CountingMirrorDatabase implements MirrorDatabase {
  readonly contextId: ContextId
  readonly identifierLimit: MirrorDatabase['identifierLimit']
  readonly #inner: MirrorDatabase
  readonly #counts = new Map<string, RowCounts>()

  constructor(inner: MirrorDatabase) {
    this.#inner = inner
    this.contextId = inner.contextId
    this.identifierLimit = inner.identifierLimit
  }

  readState(tables?: readonly string[]): Promise<MirrorState> {
    return this.#inner.readState(tables)
  }

  applyTablePlan(plan: TablePlan, schemaHash: string): Promise<AppliedPlan> {
    return this.#inner.applyTablePlan(plan, schemaHash)
  }

  dropTables(tables: readonly string[]): Promise<void> {
    return this.#inner.dropTables(tables)
  }

  async applyBatches(batches: readonly ChangeBatch[], policy?: StaleBatchPolicy): Promise<readonly BatchOutcome[]> {
    const outcomes = await this.#inner.applyBatches(batches, policy)
    // The call is one transaction: it got here only if every batch landed (or was superseded).
    batches.forEach((batch, i) => {
      if (!outcomes[i]?.applied) return
      const table = batch.table.name.toLowerCase()
      const before = this.#counts.get(table) ?? { upserted: 0, deleted: 0 }
      this.#counts.set(table, {
        upserted: before.upserted + batch.upserts.length,
        deleted: before.deleted + batch.deletes.length,
      })
    })
    return outcomes
  }

  wipe(table: string): Promise<void> {
    return this.#inner.wipe(table)
  }

  /** The rows a table was written since this wrapper was made; zeros for one never written. */
  counted(table: string): RowCounts {
    return this.#counts.get(table.toLowerCase()) ?? { upserted: 0, deleted: 0 }
  }
}

/** A provider whose tenants' mirrors are counted: what `mirrors` of the service or the harness takes. */
export class CountingMirrorDatabases implements MirrorDatabaseProvider {
  readonly #inner: MirrorDatabaseProvider
  readonly #tenants = new Map<string, CountingMirrorDatabase>()

  constructor(inner: MirrorDatabaseProvider) {
    this.#inner = inner
  }

  async forTenant(contextId: ContextId): Promise<CountingMirrorDatabase> {
    let db = this.#tenants.get(contextId)
    if (!db) {
      db = new CountingMirrorDatabase(await this.#inner.forTenant(contextId))
      this.#tenants.set(contextId, db)
    }
    return db
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}
