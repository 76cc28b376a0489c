import {
  type MirrorDatabase,
  type MirrorDatabaseProvider,
  MirrorStoreError,
  type ReadStateOptions,
} from '../../application/ports/mirror-database.port.ts'
import type { MirrorInspection, MirrorInspector } from '../../application/ports/mirror-inspection.port.ts'
import type { Row } from '../../domain/changes/cell-value.ts'
import type { ChangeBatch, InPlaceEncoder } from '../../domain/changes/change-batch.ts'
import type { Lsn, StaleBatchPolicy } from '../../domain/changes/lsn.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import type { IdentifierLimit } from '../../domain/schema/identifier.ts'
import type { TablePlan } from '../../domain/schema/schema-plan.ts'
import {
  identifierLimitOf,
  inPlaceEncoderWith,
  KyselyMirrorDatabase,
  writesInPlaceWith,
} from './kysely-mirror-database.ts'
import type { BulkUpsert, Db, SqlDialect } from './sql-dialect.ts'
import { TenantPool } from './tenant-pool.ts'

export interface TenantConnector {
  /** Opens (creating on first use) the tenant's database. */
  open(contextId: ContextId): Promise<Db>
  /** Closes what the connector itself holds (an admin connection); tenant databases are closed by the pool. */
  close?(): Promise<void>
  /** Asks the server (or the directory) whether it would serve a tenant now. */
  probe?(): Promise<void>
  /** The bulk path for big batches, run on the connections this connector makes; without it they are upserted. */
  readonly bulk?: BulkUpsert
}

export interface PoolOptions {
  /** Tenant databases kept open at once; the least recently used idle one closes first. */
  readonly maxOpen: number
  /** An unused tenant database closes after this long. */
  readonly idleMs: number
}

/**
 * MirrorDatabaseProvider over a dialect and a connector, with per-tenant connections pooled; its
 * inspector too, on the same pool.
 */
export class KyselyMirrorDatabases implements MirrorDatabaseProvider, MirrorInspector {
  readonly #pool: TenantPool<KyselyMirrorDatabase>
  readonly #connector: TenantConnector
  readonly #dialect: SqlDialect

  constructor(dialect: SqlDialect, connector: TenantConnector, options: PoolOptions) {
    this.#dialect = dialect
    this.#connector = connector
    this.#pool = new TenantPool({
      open: async (key) =>
        new KyselyMirrorDatabase(key as ContextId, await opened(dialect, connector, key), dialect, connector.bulk),
      close: (mirror) => mirror.close(),
      ...options,
    })
  }

  async forTenant(contextId: ContextId): Promise<MirrorDatabase> {
    const dialect = this.#dialect
    const { bulk } = this.#connector
    return new PooledMirrorDatabase(
      contextId,
      identifierLimitOf(dialect),
      writesInPlaceWith(dialect, bulk),
      inPlaceEncoderWith(dialect, bulk),
      this.#pool,
    )
  }

  async inspect(contextId: ContextId): Promise<MirrorInspection> {
    return new PooledMirrorInspection(contextId, this.#pool)
  }

  async probe(): Promise<void> {
    try {
      await this.#connector.probe?.()
    } catch (error) {
      throw new MirrorStoreError(
        `the mirror server does not answer: ${this.#dialect.errors.describe(error)}`,
        this.#dialect.errors.classify(error),
        undefined,
        { cause: error },
      )
    }
  }

  async close(): Promise<void> {
    await this.#pool.close()
    await this.#connector.close?.()
  }
}

/**
 * The tenant's database, opened (created on first use) by the connector: a server that cannot
 * be reached or refuses fails the call like any other engine error, classified and described
 * without the URL's secrets, never as an unexplained crash.
 */
async function opened(dialect: SqlDialect, connector: TenantConnector, key: string): Promise<Db> {
  try {
    return await connector.open(key as ContextId)
  } catch (error) {
    if (error instanceof MirrorStoreError) throw error
    throw new MirrorStoreError(
      `cannot open the mirror database: ${dialect.errors.describe(error)}`,
      dialect.errors.classify(error),
      undefined,
      { cause: error },
    )
  }
}

/** Each call borrows the tenant's database from the pool, so that an idle one can be closed. */
class PooledMirrorDatabase implements MirrorDatabase {
  readonly contextId: ContextId
  readonly identifierLimit: IdentifierLimit
  readonly writesInPlace: boolean
  readonly encodeInPlace: InPlaceEncoder | undefined
  readonly #pool: TenantPool<KyselyMirrorDatabase>

  constructor(
    contextId: ContextId,
    identifierLimit: IdentifierLimit,
    writesInPlace: boolean,
    encodeInPlace: InPlaceEncoder | undefined,
    pool: TenantPool<KyselyMirrorDatabase>,
  ) {
    this.contextId = contextId
    this.identifierLimit = identifierLimit
    this.writesInPlace = writesInPlace
    this.encodeInPlace = encodeInPlace
    this.#pool = pool
  }

  readState(tables?: readonly string[], options?: ReadStateOptions) {
    return this.#pool.use(this.contextId, (db) => db.readState(tables, options))
  }

  applyTablePlan(plan: TablePlan, schemaHash: string) {
    return this.#pool.use(this.contextId, (db) => db.applyTablePlan(plan, schemaHash))
  }

  dropTables(tables: readonly string[]) {
    return this.#pool.use(this.contextId, (db) => db.dropTables(tables))
  }

  applyBatches(batches: readonly ChangeBatch[], policy?: StaleBatchPolicy) {
    return this.#pool.use(this.contextId, (db) => db.applyBatches(batches, policy))
  }

  wipe(table: string) {
    return this.#pool.use(this.contextId, (db) => db.wipe(table))
  }
}

/** The tenant's inspection, borrowing its database from the same pool call by call. */
class PooledMirrorInspection implements MirrorInspection {
  readonly contextId: ContextId
  readonly #pool: TenantPool<KyselyMirrorDatabase>

  constructor(contextId: ContextId, pool: TenantPool<KyselyMirrorDatabase>) {
    this.contextId = contextId
    this.#pool = pool
  }

  setLsn(table: string, lsn: Lsn) {
    return this.#pool.use(this.contextId, (db) => db.setLsn(table, lsn))
  }

  countRows(table: string) {
    return this.#pool.use(this.contextId, (db) => db.countRows(table))
  }

  /** Holds the database for as long as the rows are read. */
  async *readRows(table: string): AsyncIterable<Row> {
    const lease = await this.#pool.acquire(this.contextId)
    try {
      yield* lease.resource.readRows(table)
    } finally {
      lease.release()
    }
  }
}
