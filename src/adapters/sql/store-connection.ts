import { dirname, resolve } from 'node:path'
import { Kysely, PostgresDialect } from 'kysely'
import { privateDir } from '../system/private-files.ts'
import { openSqlite } from './dialects/sqlite/sqlite-connector.ts'
import { guardPgPool } from './driver-faults.ts'
import type { Db } from './sql-dialect.ts'

export type StoreEngine = 'sqlite' | 'postgres'

/**
 * The database of one of the project's own stores — the task's registry, the service's state —
 * at `sqlite:<file>` (made private, its directory too) or `postgres://…` (shared by several
 * machines). `what` names the store and its option in the error for any other URL.
 */
export async function openStoreDatabase(url: string, what: string): Promise<{ db: Db; engine: StoreEngine }> {
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(url)
  if (sqlite) {
    const file = resolve(sqlite[1]!)
    privateDir(dirname(file))
    return { db: openSqlite(file), engine: 'sqlite' }
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { default: pg } = await import('pg')
    // Epoch milliseconds live in int8 columns; they fit a double exactly.
    const types = {
      getTypeParser: (oid: number, format?: string) =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
    }
    const pool = guardPgPool(
      new pg.Pool({
        connectionString: url,
        max: 4,
        idleTimeoutMillis: 30_000,
        types,
        application_name: 'tenant-mirror',
      }),
    )
    return { db: new Kysely({ dialect: new PostgresDialect({ pool }) }), engine: 'postgres' }
  }
  throw new Error(`${what} is sqlite:<file> or postgres://…`)
}

/** The version the store records, or undefined when it has none yet (or no tables). */
export async function installedVersion(db: Db, table: string): Promise<number | undefined> {
  try {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.max('version').as('v'))
      .executeTakeFirst()
    return row?.v === null || row?.v === undefined ? undefined : Number(row.v)
  } catch {
    return undefined
  }
}
