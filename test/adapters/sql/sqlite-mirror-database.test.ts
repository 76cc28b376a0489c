import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import { openSqlite, SqliteConnector } from '../../../src/adapters/sql/dialects/sqlite/sqlite-connector.ts'
import { sqliteMirrorSql } from '../../../src/adapters/sql/dialects/sqlite/sqlite-mirror-sql.ts'
import { KyselyMirrorDatabases } from '../../../src/adapters/sql/kysely-mirror-databases.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { describeMirrorDatabaseContract } from '../../contracts/mirror-database.contract.ts'
import { changes, column, createPlan, schemaOf } from '../../support/schemas.ts'

const CTX = 'Cust1' as ContextId

function sqliteSubject() {
  const dir = mkdtempSync(join(tmpdir(), 'tm-sqlite-'))
  const connector = new SqliteConnector(dir, databaseNaming('Mirror_{contextId}'))
  const provider = new KyselyMirrorDatabases(sqliteMirrorSql, connector, { maxOpen: 4, idleMs: 60_000 })
  const side = openSqlite(connector.fileFor(CTX))
  return { dir, connector, provider, side }
}

describeMirrorDatabaseContract('sqlite', async () => {
  const { dir, provider, side } = sqliteSubject()
  return {
    db: await provider.forTenant(CTX),
    inspect: await provider.inspect(CTX),
    async createForeignTable(name) {
      await sql`create table ${sql.id(name)} (id integer primary key, note text)`.execute(side)
    },
    async tableExists(name) {
      const { rows } = await sql`select name from sqlite_master where type = 'table' and name = ${name}`.execute(side)
      return rows.length > 0
    },
    async cleanup() {
      await side.destroy()
      await provider.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

describe('sqlite mirror files', () => {
  const person = schemaOf({
    name: 'person',
    columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(20)')],
  })

  it('keeps one file per tenant, named from the template, that survives a reopen', async () => {
    const { dir, connector, provider, side } = sqliteSubject()
    try {
      const db = await provider.forTenant(CTX)
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([changes(person, 42, [[1, 'Ann']])])
      await provider.close()
      expect(connector.fileFor(CTX)).toBe(join(dir, 'Mirror_Cust1.sqlite'))
      const { rows } = await sql<{
        lsn: bigint
      }>`select lsn from ${sql.id('Cust1_mirroring')} where tablename = 'person'`.execute(side)
      expect(rows[0]?.lsn).toBe(42n)
      const reopened = new KyselyMirrorDatabases(sqliteMirrorSql, connector, { maxOpen: 1, idleMs: 1000 })
      expect((await (await reopened.forTenant(CTX)).readState()).tables.get('person')?.lsn).toBe(42)
      await reopened.close()
    } finally {
      await side.destroy()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('keeps a partner index on a table rebuilt for a widened column', async () => {
    const { dir, provider, side } = sqliteSubject()
    try {
      const db = await provider.forTenant(CTX)
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([changes(person, 5, [[1, 'Ann']])])
      await sql`create index person_name on person (name)`.execute(side)
      const wider = schemaOf({
        name: 'person',
        columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(40)')],
      })
      expect(
        await db.applyTablePlan(
          {
            kind: 'alter',
            from: person,
            table: wider,
            steps: [{ kind: 'widen-column', from: person.columns[1]!, to: wider.columns[1]! }],
          },
          'h2',
        ),
      ).toMatchObject({ change: 'Altered', lsn: 5 })
      const { rows } = await sql<{
        name: string
        sql: string
      }>`select name, sql from sqlite_master where tbl_name = 'person'`.execute(side)
      expect(rows.map((r) => r.name).sort()).toEqual(['person', 'person_name'])
      expect(rows.find((r) => r.name === 'person')?.sql).toContain('NVARCHAR(40)')
    } finally {
      await side.destroy()
      await provider.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('closes idle tenant databases and reopens them on demand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-sqlite-'))
    const provider = new KyselyMirrorDatabases(
      sqliteMirrorSql,
      new SqliteConnector(dir, databaseNaming('M_{contextId}')),
      {
        maxOpen: 2,
        idleMs: 50,
      },
    )
    try {
      for (const ctx of ['A1', 'A2', 'A3', 'A4'] as ContextId[]) {
        const db = await provider.forTenant(ctx)
        await db.applyTablePlan(createPlan(person), 'h')
      }
      await new Promise((r) => setTimeout(r, 120))
      const db = await provider.forTenant('A1' as ContextId)
      expect((await db.readState()).tables.has('person')).toBe(true)
    } finally {
      await provider.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('sqlite commits', () => {
  it('syncs at checkpoints (NORMAL), or every commit (FULL) when durable commits are asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-sqlite-'))
    try {
      for (const [durable, level] of [
        [undefined, 1],
        [true, 2],
      ] as const) {
        const db = await new SqliteConnector(dir, databaseNaming('Mirror_{contextId}'), durable).open(CTX)
        const { rows } = await sql<{ synchronous: number | bigint }>`pragma synchronous`.execute(db)
        expect(Number(rows[0]?.synchronous)).toBe(level)
        await db.destroy()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("lets a mirror's WAL grow to 8,000 pages before a checkpoint; the store keeps SQLite's 1,000", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-sqlite-'))
    try {
      const mirror = await new SqliteConnector(dir, databaseNaming('Mirror_{contextId}')).open(CTX)
      const store = openSqlite(join(dir, 'state.sqlite'))
      const pages = async (db: typeof mirror) =>
        Number(
          (await sql<{ wal_autocheckpoint: number | bigint }>`pragma wal_autocheckpoint`.execute(db)).rows[0]
            ?.wal_autocheckpoint,
        )
      expect(await pages(mirror)).toBe(8000)
      expect(await pages(store)).toBe(1000)
      await mirror.destroy()
      await store.destroy()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
