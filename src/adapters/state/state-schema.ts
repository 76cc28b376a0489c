import { type Generated, sql } from 'kysely'
import type { Db } from '../sql/sql-dialect.ts'
import { installedVersion, type StoreEngine } from '../sql/store-connection.ts'

/** The layout this release writes; a store written by a newer release is refused. */
export const STATE_SCHEMA_VERSION = 1

// Arbitrary but fixed, and not the registry's: replicas creating the tables take this lock.
const SCHEMA_LOCK = 7_466_000_002

/**
 * The service state's tables, created when missing, in one transaction. Their names start with
 * `tm_` like the registry's and never equal them, so both may live in one PostgreSQL database.
 */
export async function ensureStateSchema(db: Db, engine: StoreEngine): Promise<void> {
  // A store already at this version is left alone: its DDL, even IF NOT EXISTS, would lock the
  // tables that running replicas write to, and deadlock with them.
  if ((await installedVersion(db, 'tm_state_version')) === STATE_SCHEMA_VERSION) return
  await db.transaction().execute(async (trx) => {
    if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${SCHEMA_LOCK})`.execute(trx)
    await createTables(trx, engine)
    const row = await trx
      .selectFrom('tm_state_version')
      .select((eb) => eb.fn.max('version').as('v'))
      .executeTakeFirst()
    const found = row?.v === null || row?.v === undefined ? undefined : Number(row.v)
    if (found === undefined)
      await trx.insertInto('tm_state_version').values({ version: STATE_SCHEMA_VERSION }).execute()
    else if (found > STATE_SCHEMA_VERSION) {
      throw new Error(
        `the state store has schema version ${found}, newer than this release's ${STATE_SCHEMA_VERSION}: upgrade tenant-mirror`,
      )
    }
  })
}

async function createTables(db: Db, engine: StoreEngine): Promise<void> {
  const millis = sql.raw(engine === 'postgres' ? 'bigint' : 'integer')
  const idType = engine === 'postgres' ? 'bigserial' : 'integer'
  const table = (name: string) => db.schema.createTable(name).ifNotExists()
  /** A table with a generated key: bigserial on PostgreSQL, an autoincrement on SQLite. */
  const withId = (name: string) =>
    table(name).addColumn('id', idType, (c) =>
      engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
  await table('tm_state_version')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute()
  await table('tm_nonces')
    .addColumn('nonce_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', millis, (c) => c.notNull())
    .execute()
  await table('tm_tenant_activity')
    .addColumn('context_id', 'text', (c) => c.primaryKey())
    .addColumn('first_seen_at', millis, (c) => c.notNull())
    .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_call_at', millis)
    .addColumn('last_call_operation', 'text')
    .addColumn('last_call_outcome', 'text')
    .addColumn('last_success_at', millis)
    .addColumn('last_completed_at', millis)
    .addColumn('last_error_at', millis)
    .addColumn('last_error_operation', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_error_reference', 'text')
    .addColumn('cycle_started_at', millis)
    .addColumn('cycle_rows', millis, (c) => c.notNull().defaultTo(0))
    .addColumn('cycle_calls', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await withId('tm_cycles')
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('started_at', millis, (c) => c.notNull())
    .addColumn('ended_at', millis, (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('rows', millis, (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('reference', 'text')
    .execute()
  await withId('tm_errors')
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('at', millis, (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .execute()
  await table('tm_minutes')
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('minute', millis, (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('rows', millis, (c) => c.notNull())
    .addColumn('ms', 'real', (c) => c.notNull())
    .addPrimaryKeyConstraint('tm_minutes_pk', ['context_id', 'minute'])
    .execute()
  await table('tm_table_activity')
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('table_name', 'text', (c) => c.notNull())
    .addColumn('last_data_at', millis, (c) => c.notNull())
    .addColumn('last_rows', millis, (c) => c.notNull())
    .addPrimaryKeyConstraint('tm_table_activity_pk', ['context_id', 'table_name'])
    .execute()
  await withId('tm_schema_changes')
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('at', millis, (c) => c.notNull())
    .addColumn('table_name', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute()
  for (const [name, on] of [
    ['tm_cycles_tenant', 'tm_cycles'],
    ['tm_errors_tenant', 'tm_errors'],
    ['tm_schema_changes_tenant', 'tm_schema_changes'],
  ] as const) {
    await db.schema.createIndex(name).ifNotExists().on(on).columns(['context_id', 'id']).execute()
  }
  await db.schema.createIndex('tm_errors_at').ifNotExists().on('tm_errors').column('at').execute()
  await db.schema.createIndex('tm_minutes_minute').ifNotExists().on('tm_minutes').column('minute').execute()
  await db.schema.createIndex('tm_nonces_expiry').ifNotExists().on('tm_nonces').column('expires_at').execute()
}

type Millis = number | bigint | string

/** The state's tables as Kysely sees them. */
export interface StateTables {
  tm_state_version: { version: number }
  tm_nonces: { nonce_hash: string; expires_at: Millis }
  tm_tenant_activity: {
    context_id: string
    first_seen_at: Millis
    paused: Generated<number>
    last_call_at: Millis | null
    last_call_operation: string | null
    last_call_outcome: string | null
    last_success_at: Millis | null
    last_completed_at: Millis | null
    last_error_at: Millis | null
    last_error_operation: string | null
    last_error: string | null
    last_error_reference: string | null
    cycle_started_at: Millis | null
    cycle_rows: Generated<Millis>
    cycle_calls: Generated<number>
  }
  tm_cycles: {
    id: Generated<Millis>
    context_id: string
    started_at: Millis
    ended_at: Millis
    outcome: string
    rows: Millis
    calls: number
    error: string | null
    reference: string | null
  }
  tm_errors: {
    id: Generated<Millis>
    context_id: string
    at: Millis
    operation: string
    message: string
    reference: string | null
  }
  tm_minutes: { context_id: string; minute: Millis; calls: number; failures: number; rows: Millis; ms: number }
  tm_table_activity: { context_id: string; table_name: string; last_data_at: Millis; last_rows: Millis }
  tm_schema_changes: {
    id: Generated<Millis>
    context_id: string
    at: Millis
    table_name: string
    change: string
    detail: string
  }
}
