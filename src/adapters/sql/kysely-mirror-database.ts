import { sql } from 'kysely'
import type {
  AppliedPlan,
  BatchOutcome,
  MirrorDatabase,
  MirrorState,
  MirrorTableState,
  ReadStateOptions,
} from '../../application/ports/mirror-database.port.ts'
import { MirrorStoreError, StaleStateError } from '../../application/ports/mirror-database.port.ts'
import type { MirrorInspection } from '../../application/ports/mirror-inspection.port.ts'
import { tableLockKey } from '../../application/tenant-call.ts'
import type { Row } from '../../domain/changes/cell-value.ts'
import type { ChangeBatch, InPlaceEncoder } from '../../domain/changes/change-batch.ts'
import { isSuperseded, type Lsn, NO_LSN, type StaleBatchPolicy } from '../../domain/changes/lsn.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { type IdentifierLimit, identifierKey } from '../../domain/schema/identifier.ts'
import { metadataTableName } from '../../domain/schema/metadata-table.ts'
import type { TablePlan } from '../../domain/schema/schema-plan.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'
import { MirrorMetadata } from './mirror-metadata.ts'
import { claimOwnership } from './mirror-owner.ts'
import type { BulkUpsert, Db, SqlDialect } from './sql-dialect.ts'
import { spanEncoder, textSpans } from './tab-separated-spans.ts'

/**
 * The mirror database port over Kysely, generic in the SQL dialect: it owns the transactions,
 * the cross-instance table locks, the metadata table and the order of steps; the dialect
 * supplies the engine's SQL. Driver errors leave as MirrorStoreError with a message that is
 * safe to send back. It is the tenant's inspection too (rows, counts, a forced LSN).
 */
export class KyselyMirrorDatabase implements MirrorDatabase, MirrorInspection {
  readonly contextId: ContextId
  readonly identifierLimit: IdentifierLimit
  readonly writesInPlace: boolean
  readonly encodeInPlace: InPlaceEncoder | undefined
  readonly #db: Db
  readonly #dialect: SqlDialect
  readonly #bulk: BulkUpsert | undefined
  readonly #metadata: MirrorMetadata
  readonly #now: () => Date
  #ready: Promise<void> | undefined
  /**
   * What this object last read or wrote of each table found whole, by key: a RowData call
   * reuses it rather than read the catalog (the metadata row and the engine's table list cost
   * PostgreSQL a millisecond or two a call). A table that was missing is never kept, so a table
   * another instance creates is seen at once.
   */
  readonly #known = new Map<string, MirrorTableState>()

  constructor(
    contextId: ContextId,
    db: Db,
    dialect: SqlDialect,
    bulk: BulkUpsert | undefined,
    now: () => Date = () => new Date(),
  ) {
    this.contextId = contextId
    this.identifierLimit = identifierLimitOf(dialect)
    this.writesInPlace = writesInPlaceWith(dialect, bulk)
    this.encodeInPlace = inPlaceEncoderWith(dialect, bulk)
    this.#db = db
    this.#dialect = dialect
    this.#bulk = bulk
    this.#metadata = new MirrorMetadata(metadataTableName(contextId))
    this.#now = now
  }

  async readState(only?: readonly string[], options?: ReadStateOptions): Promise<MirrorState> {
    const keys = only && [...new Set(only.map(identifierKey))]
    if (keys && options?.reuse) {
      const known = keys.map((key) => this.#known.get(key))
      if (known.every((state) => state !== undefined)) {
        return { tables: new Map(keys.map((key, i) => [key, known[i]!])), physicalTables: new Set(keys) }
      }
    }
    return this.#guard(undefined, async () => {
      await this.#ensureReady()
      const tables = keys ? await this.#metadata.readSome(this.#db, keys) : await this.#metadata.readAll(this.#db)
      const physical = new Set((await this.#dialect.ddl.listTables(this.#db, keys)).map(identifierKey))
      if (!keys) this.#known.clear()
      for (const key of keys ?? tables.keys()) {
        const state = tables.get(key)
        if (state?.schema && physical.has(key)) this.#known.set(key, state)
        else this.#known.delete(key)
      }
      return { tables, physicalTables: physical }
    })
  }

  async applyTablePlan(plan: TablePlan, schemaHash: string): Promise<AppliedPlan> {
    const table = plan.table.name
    const key = identifierKey(table)
    // Forgotten before: a call that read the table meanwhile must not keep the old schema.
    this.#known.delete(key)
    let written: MirrorTableState | undefined
    try {
      return await this.#guard(table, async () => {
        if (!this.#dialect.capabilities.transactionalDdl && plan.kind !== 'unchanged') {
          // The engine commits DDL on its own: forget the stored schema first, so that a crash
          // between the DDL and the metadata write leads to a recreate, never to a wrong alter.
          await this.#ensureReady()
          await this.#metadata.markPending(this.#db, table)
        }
        const { applied, state } = await this.#transaction([table], async (trx) => {
          const applied = await this.#applyPlan(trx, plan)
          return { applied, state: await this.#metadata.write(trx, plan.table, schemaHash, applied.lsn, this.#now()) }
        })
        written = state
        return applied
      })
    } finally {
      // Kept as written once committed, so that the Wipe and RowData calls after a TableSchema
      // read no catalog (PostgreSQL's metadata row and table list cost a millisecond or two a
      // call); forgotten if it failed. A read of the old state that lands after this one is
      // caught by the schema hash checked under the table's lock before any batch is written.
      if (written) this.#known.set(key, written)
      else this.#known.delete(key)
    }
  }

  async #applyPlan(trx: Db, plan: TablePlan): Promise<AppliedPlan> {
    // The stored LSN is kept by the plans that keep the rows; a created table starts at -1.
    const storedLsn = async () => (await this.#metadata.readOne(trx, plan.table.name))?.lsn ?? NO_LSN
    switch (plan.kind) {
      case 'unchanged':
        return { change: 'None', lsn: await storedLsn(), warnings: [] }
      case 'create':
      case 'recreate':
        return this.#recreate(trx, plan.table, plan.kind === 'create' ? 'Created' : 'Recreated')
      case 'alter': {
        const lsn = await storedLsn()
        const warnings = await this.#dialect.ddl.alterTable(trx, plan.from, plan.table, plan.steps)
        if (warnings === undefined) return this.#recreate(trx, plan.table, 'Recreated')
        return { change: 'Altered', lsn, warnings }
      }
    }
  }

  async #recreate(trx: Db, table: TableSchema, change: 'Created' | 'Recreated'): Promise<AppliedPlan> {
    await this.#dialect.ddl.dropTable(trx, table.name)
    const warnings = await this.#dialect.ddl.createTable(trx, table)
    return { change, lsn: NO_LSN, warnings }
  }

  async dropTables(tables: readonly string[]): Promise<void> {
    for (const table of tables) this.#known.delete(identifierKey(table))
    await this.#guard(undefined, () =>
      this.#transaction(tables, async (trx) => {
        const state = await this.#metadata.readAll(trx)
        for (const table of tables) {
          const owned = state.get(identifierKey(table))
          if (!owned?.createdByMirror) continue
          await this.#dialect.ddl.dropTable(trx, owned.table)
          await this.#metadata.remove(trx, owned.table)
        }
      }),
    )
  }

  async applyBatches(
    batches: readonly ChangeBatch[],
    policy: StaleBatchPolicy = 'skip',
  ): Promise<readonly BatchOutcome[]> {
    if (batches.length === 0) return []
    const tables = batches.map((b) => b.table.name)
    try {
      const outcomes = await this.#guard(tables.length === 1 ? tables[0] : undefined, () =>
        this.#transaction(tables, async (trx) => {
          // Every table's stamp first: a stale one is refused before any batch is written, so a
          // call read again afresh finds its request whole (a write may release its text).
          const stored: Lsn[] = []
          for (const batch of batches)
            stored.push(await this.#guard(batch.table.name, () => this.#storedLsn(trx, batch)))
          // A table written by an earlier batch of this call is at that batch's LSN now.
          const written = new Map<string, Lsn>()
          const outcomes: BatchOutcome[] = []
          for (const [i, batch] of batches.entries()) {
            const key = identifierKey(batch.table.name)
            const storedLsn = written.get(key) ?? stored[i]!
            const outcome = await this.#guard(batch.table.name, () => this.#applyBatch(trx, batch, storedLsn, policy))
            if (outcome.applied) written.set(key, batch.lsn)
            outcomes.push(outcome)
          }
          return outcomes
        }),
      )
      batches.forEach((batch, i) => {
        const key = identifierKey(batch.table.name)
        const known = this.#known.get(key)
        if (known && outcomes[i]?.applied) this.#known.set(key, { ...known, lsn: batch.lsn })
      })
      return outcomes
    } catch (error) {
      // Whatever refused the write (a table dropped behind the mirror's back, say), the next
      // call reads the catalog again.
      for (const table of tables) this.#known.delete(identifierKey(table))
      throw error
    }
  }

  /** The table's stored LSN, read under its lock, after checking that its schema is the one reused. */
  async #storedLsn(trx: Db, batch: ChangeBatch): Promise<Lsn> {
    const stored = await this.#metadata.readStamp(trx, batch.table.name)
    if (stored === undefined) {
      throw new MirrorStoreError(`table ${batch.table.name} has no metadata row`, 'fatal', batch.table.name)
    }
    const known = this.#known.get(identifierKey(batch.table.name))
    // applyBatches forgets the call's tables when this refusal leaves it.
    if (known && known.schemaHash !== stored.schemaHash) throw new StaleStateError(batch.table.name)
    return stored.lsn
  }

  async #applyBatch(trx: Db, batch: ChangeBatch, storedLsn: Lsn, policy: StaleBatchPolicy): Promise<BatchOutcome> {
    if (policy === 'skip' && isSuperseded(batch.lsn, storedLsn)) return { applied: false, storedLsn }
    const { capabilities, dml } = this.#dialect
    if (batch.deletes.length > 0) await dml.deleteRows(trx, batch.table, batch.deletes)
    // Rows left in place are counted without decoding them; they are decoded only if written as values.
    const count = batch.inPlace ? batch.inPlace.length : batch.upserts.length
    if (count >= capabilities.bulkThreshold && this.#bulk) {
      const freshKeys = storedLsn === NO_LSN || (batch.received.updates === 0 && batch.received.deletes === 0)
      const inPlace = batch.inPlace
      const encoded = Array.isArray(batch.encoded) ? (batch.encoded as Buffer[]) : undefined
      try {
        await this.#bulk(trx, batch.table, {
          freshKeys,
          upsert: dml.upsertRows,
          count,
          rows: () => batch.upserts,
          ...(inPlace ? { inPlace } : {}),
          ...(encoded ? { encoded } : {}),
          release: () => inPlace?.release?.(),
        })
      } finally {
        // The batch outlives its write (it is the call's result); the text written for it need not.
        if (encoded) encoded.length = 0
      }
    } else if (count > 0) {
      await dml.upsertRows(trx, batch.table, batch.upserts)
    }
    await this.#requireLsn(trx, batch.table.name, batch.lsn)
    return { applied: true, storedLsn }
  }

  async wipe(table: string): Promise<void> {
    const key = identifierKey(table)
    const known = this.#known.get(key)
    this.#known.delete(key)
    await this.#guard(table, () =>
      this.#transaction([table], async (trx) => {
        // The table as the mirror spelt it: a call may name it in another case, which a quoted
        // identifier on PostgreSQL or MySQL would not find.
        const spelt = known?.table ?? (await this.#metadata.readOne(trx, table))?.table ?? table
        await this.#dialect.ddl.truncateTable(trx, spelt)
        await this.#requireLsn(trx, spelt, NO_LSN)
      }),
    )
    // The table and its schema are as they were: the reload's RowData calls need not read them
    // again (applyBatches still checks the stored schema's hash under the table's lock).
    if (known) this.#known.set(key, { ...known, lsn: NO_LSN })
  }

  async setLsn(table: string, lsn: Lsn): Promise<void> {
    this.#known.delete(identifierKey(table))
    await this.#guard(table, () => this.#transaction([table], (trx) => this.#requireLsn(trx, table, lsn)))
  }

  async *readRows(table: string): AsyncIterable<Row> {
    await this.#ensureReady()
    const state = await this.#stateOf(this.#db, table)
    if (!state?.schema) throw new MirrorStoreError(`table ${table} is not in the mirror`, 'fatal', table)
    yield* this.#dialect.dml.readRows(this.#db, { ...state.schema, name: state.table })
  }

  async countRows(table: string): Promise<number> {
    return this.#guard(table, async () => {
      await this.#ensureReady()
      const state = await this.#stateOf(this.#db, table)
      if (!state) throw new MirrorStoreError(`table ${table} is not in the mirror`, 'fatal', table)
      const { rows } = await sql<{
        n: number | bigint | string
      }>`select count(*) as n from ${sql.id(state.table)}`.execute(this.#db)
      return Number(rows[0]?.n ?? 0)
    })
  }

  /** Closes the tenant's connection(s). */
  async close(): Promise<void> {
    await this.#db.destroy()
  }

  async #requireLsn(trx: Db, table: string, lsn: Lsn): Promise<void> {
    const updated = await this.#metadata.setLsn(trx, table, lsn, this.#now())
    if (updated === 0) throw new MirrorStoreError(`table ${table} has no metadata row`, 'fatal', table)
  }

  #stateOf(db: Db, table: string): Promise<MirrorTableState | undefined> {
    return this.#metadata.readOne(db, table)
  }

  /** The database is this tenant's (claimed on first use), and its metadata table exists. */
  #ensureReady(): Promise<void> {
    this.#ready ??= (async () => {
      await claimOwnership(this.#db, this.#dialect, this.contextId, this.#now())
      await this.#dialect.ddl.ensureMetadataTable(this.#db, this.#metadata.table)
    })().catch((error) => {
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }

  /**
   * One transaction holding the (tenant, table) locks of the tables it touches, taken in sorted
   * order so that two instances cannot deadlock on them. Readiness comes first: SQLite has one
   * connection, which the transaction holds until it ends.
   */
  async #transaction<T>(tables: readonly string[], work: (trx: Db) => Promise<T>): Promise<T> {
    await this.#ensureReady()
    const { capabilities, locks } = this.#dialect
    const keys = [...new Set(tables.map((t) => tableLockKey(this.contextId, t)))].sort()
    const unlock = locks?.unlock
    if (capabilities.lockScope === 'session' && locks && unlock) {
      return this.#db.connection().execute(async (session) => {
        await locks.lock(session, keys)
        const result = await session
          .transaction()
          .execute(work)
          .catch(async (error: unknown) => {
            // On a connection that was lost the unlock fails too; its error must not hide why.
            await unlock(session, keys).catch(() => undefined)
            throw error
          })
        await unlock(session, keys)
        return result
      })
    }
    return this.#db.transaction().execute(async (trx) => {
      if (capabilities.lockScope === 'transaction') await locks?.lock(trx, keys)
      return work(trx)
    })
  }

  async #guard<T>(table: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      if (error instanceof MirrorStoreError) throw error
      throw new MirrorStoreError(this.#dialect.errors.describe(error), this.#dialect.errors.classify(error), table, {
        cause: error,
      })
    }
  }
}

/** Whether batches left in place are written from the request's text: the bulk path writes text. */
export function writesInPlaceWith(dialect: SqlDialect, bulk: BulkUpsert | undefined): boolean {
  return dialect.capabilities.bulkText && bulk !== undefined
}

/**
 * The writer of such batches while their call is decoded: the bulk path's own (its `spans`), else
 * one of the text it says it writes.
 */
export function inPlaceEncoderWith(dialect: SqlDialect, bulk: BulkUpsert | undefined): InPlaceEncoder | undefined {
  const writer = bulk?.spans ?? (bulk?.textFormat && textSpans(bulk.textFormat))
  return writesInPlaceWith(dialect, bulk) && writer
    ? spanEncoder(writer, dialect.capabilities.bulkThreshold)
    : undefined
}

/** The longest table or column name the dialect's engine keeps, in the unit it counts. */
export function identifierLimitOf(dialect: SqlDialect): IdentifierLimit {
  return { length: dialect.capabilities.maxIdentifierLength, unit: dialect.capabilities.identifierUnit }
}
