import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { acceptedForms, describeLocation, parseDatabaseLocation } from '../../../src/adapters/sql/database-location.ts'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import type { DialectRegistry } from '../../../src/adapters/sql/dialect-entry.ts'
import { BUILT_IN_DIALECTS } from '../../../src/adapters/sql/dialect-registry.ts'
import { openSqlite } from '../../../src/adapters/sql/dialects/sqlite/sqlite-connector.ts'
import { openMirrorDatabases } from '../../../src/adapters/sql/mirror-databases.ts'
import { tenantNameRules } from '../../../src/adapters/sql/tenant-naming.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { describeMirrorDatabaseContract } from '../../contracts/mirror-database.contract.ts'
import { sqliteStrictEntry } from '../../support/dialects/sqlite-strict/sqlite-strict-entry.ts'
import { inspectorOf } from '../../support/inspection.ts'
import { column, createPlan, schemaOf } from '../../support/schemas.ts'

/** The one line that adds the dialect: its folder is test/support/dialects/sqlite-strict/. */
const registry: DialectRegistry = [...BUILT_IN_DIALECTS, sqliteStrictEntry]

const CTX = 'Cust1' as ContextId
const OPTIONS = {
  naming: databaseNaming('Mirror_{contextId}'),
  longestContextId: 64,
  pool: { maxOpen: 4, idleMs: 60_000 },
}

/** Mirrors at `<scheme><dir>`, opened through the registry, and a plain connection to the tenant's file. */
function subject(scheme: 'sqlite-strict:' | 'sqlite:') {
  const dir = mkdtempSync(join(tmpdir(), 'tm-added-'))
  const location = parseDatabaseLocation(`${scheme}${dir}`, 'database', registry)!
  const provider = openMirrorDatabases(location, OPTIONS, registry)
  const side = openSqlite(join(dir, 'Mirror_Cust1.sqlite'))
  const cleanup = async () => {
    await side.destroy()
    await provider.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return { dir, location, provider, side, cleanup }
}

describeMirrorDatabaseContract('sqlite-strict (a dialect added with a registry entry)', async () => {
  const { provider, side, cleanup } = subject('sqlite-strict:')
  return {
    db: await provider.forTenant(CTX),
    inspect: await inspectorOf(provider).inspect(CTX),
    async createForeignTable(name) {
      await sql`create table ${sql.id(name)} (id integer primary key, note text)`.execute(side)
    },
    async tableExists(name) {
      const { rows } = await sql`select name from sqlite_master where type = 'table' and name = ${name}`.execute(side)
      return rows.length > 0
    },
    cleanup,
  }
})

describe('a dialect added with one folder and one registry line', () => {
  it('reads --database sqlite-strict:<dir> through the registry that has it, and lists it among the forms', () => {
    const location = parseDatabaseLocation('sqlite-strict:///srv/mirrors', 'database', registry)
    expect(location).toEqual({ kind: 'sqlite-strict', dir: '/srv/mirrors' })
    expect(describeLocation(location!, registry)).toBe('sqlite-strict:/srv/mirrors')
    expect(tenantNameRules(location!, registry)).toEqual({
      engine: 'SQLite (file names)',
      database: { length: 248, unit: 'bytes' },
      table: undefined,
    })
    expect(acceptedForms(registry)).toBe(
      'sqlite:<dir>, memory:, postgres://…, mysql://…, mssql://… or sqlite-strict:<dir>',
    )
    // The built-ins alone neither read it nor list it; plain sqlite: is still SQLite's.
    expect(parseDatabaseLocation('sqlite-strict:/srv/mirrors')).toBeUndefined()
    expect(acceptedForms()).toBe('sqlite:<dir>, memory:, postgres://…, mysql://… or mssql://…')
    expect(parseDatabaseLocation('sqlite:/srv/mirrors', 'database', registry)).toEqual({
      kind: 'sqlite',
      dir: '/srv/mirrors',
    })
  })

  it('creates STRICT tables, which refuse a value of another type where the built-in SQLite keeps it', async () => {
    const person = schemaOf({ name: 'person', columns: [column('person_id', 'int', 'false'), column('age', 'int')] })
    const strictness = async (scheme: 'sqlite-strict:' | 'sqlite:') => {
      const { provider, side, cleanup } = subject(scheme)
      try {
        await (await provider.forTenant(CTX)).applyTablePlan(createPlan(person), 'h')
        const { rows } = await sql<{
          strict: number
        }>`select strict from pragma_table_list where name = 'person'`.execute(side)
        const insert = sql`insert into person (person_id, age) values (1, 'not a number')`.execute(side)
        const refused = await insert.then(
          () => undefined,
          (error: { code?: string }) => error.code,
        )
        return { strict: Number(rows[0]?.strict), refused }
      } finally {
        await cleanup()
      }
    }
    expect(await strictness('sqlite-strict:')).toEqual({ strict: 1, refused: 'SQLITE_CONSTRAINT_DATATYPE' })
    expect(await strictness('sqlite:')).toEqual({ strict: 0, refused: undefined })
  })
})
