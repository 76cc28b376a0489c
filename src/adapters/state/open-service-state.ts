import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Retention, ServiceState } from '../../application/ports/service-state.port.ts'
import { openStoreDatabase } from '../sql/store-connection.ts'
import { KyselyServiceState } from './kysely-service-state.ts'
import { ensureStateSchema, type StateTables } from './state-schema.ts'

export interface ServiceStateOptions {
  readonly retention: Retention
  /** Seconds a nonce stays claimed past its token's expiry: the clock skew. */
  readonly graceSeconds: number
  readonly now: () => number
}

/**
 * Opens (creating its tables when new) the service state at `sqlite:<file>`, `postgres://…`
 * (shared by replicas) or `memory:` (this process only, gone when it ends).
 */
export async function openServiceState(url: string, options: ServiceStateOptions): Promise<ServiceState> {
  if (url === 'memory:' || url === 'memory') {
    const db = new Kysely<StateTables>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    await ensureStateSchema(db, 'sqlite')
    return new KyselyServiceState(db, 'sqlite', options)
  }
  const { db, engine } = await openStoreDatabase(url, 'the service state (--state)')
  try {
    await ensureStateSchema(db, engine)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return new KyselyServiceState(db as Kysely<StateTables>, engine, options)
}
