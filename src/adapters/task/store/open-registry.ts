import { dirname, resolve } from 'node:path'
import { Kysely, PostgresDialect } from 'kysely'
import { openSqlite } from '../../sql/dialects/sqlite/sqlite-connector.ts'
import { guardPgPool } from '../../sql/driver-faults.ts'
import type { Db } from '../../sql/sql-dialect.ts'
import { privateDir } from '../../system/private-files.ts'
import { KyselyRegistry } from './kysely-registry.ts'
import { ensureRegistrySchema, type RegistryEngine } from './registry-schema.ts'

/** Opens (creating when new) the registry at `sqlite:<file>` or `postgres://…`. */
export async function openRegistry(url: string): Promise<KyselyRegistry> {
  const { db, engine } = await connect(url)
  try {
    await ensureRegistrySchema(db, engine)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return new KyselyRegistry(db)
}

async function connect(url: string): Promise<{ db: Db; engine: RegistryEngine }> {
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
    const pool = guardPgPool(new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 30_000, types }))
    return { db: new Kysely({ dialect: new PostgresDialect({ pool }) }), engine: 'postgres' }
  }
  throw new Error('the registry is sqlite:<file> or postgres://…')
}
