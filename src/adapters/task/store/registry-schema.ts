import { type Generated, sql } from 'kysely'
import type { Db } from '../../sql/sql-dialect.ts'
import { installedVersion, type StoreEngine } from '../../sql/store-connection.ts'

export type RegistryEngine = StoreEngine

/** The layout this release writes; a later release migrates from the version it finds. */
export const REGISTRY_SCHEMA_VERSION = 1

// Arbitrary but fixed: every process creating the registry's tables takes this advisory lock.
const SCHEMA_LOCK = 7_466_000_001

/**
 * The registry's tables, created when missing, in one transaction. `tm_schema_version` records
 * the layout; a registry written by a newer release is refused rather than misread.
 */
export async function ensureRegistrySchema(db: Db, engine: RegistryEngine): Promise<void> {
  // A registry at this version is left alone: running task machines write to its tables.
  if ((await installedVersion(db, 'tm_schema_version')) === REGISTRY_SCHEMA_VERSION) return
  await db.transaction().execute(async (trx) => {
    // CREATE TABLE IF NOT EXISTS is not atomic in PostgreSQL: two task machines starting on a
    // new registry would collide on the catalog without this lock.
    if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${SCHEMA_LOCK})`.execute(trx)
    await createTables(trx, engine)
    const row = await trx
      .selectFrom('tm_schema_version')
      .select((eb) => eb.fn.max('version').as('v'))
      .executeTakeFirst()
    const found = row?.v === null || row?.v === undefined ? undefined : Number(row.v)
    if (found === undefined) {
      await trx.insertInto('tm_schema_version').values({ version: REGISTRY_SCHEMA_VERSION }).execute()
    } else if (found > REGISTRY_SCHEMA_VERSION) {
      throw new Error(
        `the registry has schema version ${found}, newer than this release's ${REGISTRY_SCHEMA_VERSION}: upgrade tenant-mirror`,
      )
    }
  })
}

async function createTables(db: Db, engine: RegistryEngine): Promise<void> {
  const millis = engine === 'postgres' ? 'bigint' : 'integer'
  await db.schema
    .createTable('tm_schema_version')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('tm_applications')
    .ifNotExists()
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('client_secret', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mirroring_enabled', 'integer', (c) => c.notNull())
    .addColumn('mirroring_url', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('tm_tenants')
    .ifNotExists()
    .addColumn('context_id', 'text', (c) => c.primaryKey())
    .addColumn('source_url', 'text', (c) => c.notNull())
    .addColumn('skip_table', 'text', (c) => c.notNull())
    .addColumn('batch_size', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('tm_approvals')
    .ifNotExists()
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('approved_at', sql.raw(millis), (c) => c.notNull())
    .addPrimaryKeyConstraint('tm_approvals_pk', ['context_id', 'client_id'])
    .execute()
  await db.schema
    .createTable('tm_pair_status')
    .ifNotExists()
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('last_started_at', sql.raw(millis))
    .addColumn('last_finished_at', sql.raw(millis))
    .addColumn('last_outcome', 'text')
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('tm_pair_status_pk', ['context_id', 'client_id'])
    .execute()
  await db.schema
    .createTable('tm_events')
    .ifNotExists()
    .addColumn('id', engine === 'postgres' ? 'bigserial' : 'integer', (c) =>
      engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('at', sql.raw(millis), (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('tm_events_tenant').ifNotExists().on('tm_events').columns(['context_id', 'id']).execute()
}

type Millis = number | bigint | string

/** The registry's tables as Kysely sees them. */
export interface RegistryTables {
  tm_schema_version: { version: number }
  tm_applications: {
    client_id: string
    client_secret: string
    name: string
    mirroring_enabled: number
    mirroring_url: string
    public_key: string
    environment: string
  }
  tm_tenants: { context_id: string; source_url: string; skip_table: string; batch_size: number }
  tm_approvals: { context_id: string; client_id: string; approved_at: Millis }
  tm_pair_status: {
    context_id: string
    client_id: string
    last_started_at: Millis | null
    last_finished_at: Millis | null
    last_outcome: string | null
    last_error: string | null
  }
  tm_events: {
    id: Generated<Millis>
    context_id: string
    client_id: string
    at: Millis
    type: string
    message: string
  }
}
