import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { describe, expect, it, vi } from 'vitest'
import { BULK_MARKER, type BulkJob, bulkCapable } from '../../../src/adapters/sql/dialects/sqlite/sqlite-bulk.ts'
import { openSqlite } from '../../../src/adapters/sql/dialects/sqlite/sqlite-connector.ts'
import { DriverJobs } from '../../../src/adapters/sql/driver-jobs.ts'

describe("a SQLite mirror's statements", () => {
  it('are prepared once per text and reused, streams and schema changes included', async () => {
    const database = new Database(':memory:')
    const prepared: string[] = []
    const prepare = database.prepare.bind(database)
    database.prepare = ((text: string) => {
      prepared.push(text)
      return prepare(text)
    }) as typeof database.prepare
    const db = new Kysely<Record<string, { id: number; v: string }>>({
      dialect: new SqliteDialect({ database: bulkCapable(database, new DriverJobs<BulkJob>(BULK_MARKER)) }),
    })
    try {
      await sql`create table t (id integer primary key, v text)`.execute(db)
      for (let i = 1; i <= 5; i++) await sql`insert into t (id, v) values (${i}, ${`v${i}`})`.execute(db)
      expect(prepared.filter((text) => text.startsWith('insert'))).toHaveLength(1)
      // A kept statement read as a stream, then again at once: it was reset when the stream ended.
      const streamed: unknown[] = []
      for await (const row of db.selectFrom('t').select(['id', 'v']).stream()) streamed.push(row)
      expect(streamed).toHaveLength(5)
      expect(await db.selectFrom('t').select(['id', 'v']).execute()).toEqual(streamed)
      // A kept statement after the table changed is prepared again by SQLite itself.
      await sql`alter table t add column w text`.execute(db)
      expect((await db.selectFrom('t').selectAll().execute())[0]).toEqual({ id: 1, v: 'v1', w: null })
      await sql`insert into t (id, v) values (${6}, ${'v6'})`.execute(db)
      expect(prepared.filter((text) => text.startsWith('insert'))).toHaveLength(1)
      expect(await db.selectFrom('t').select(['id']).execute()).toHaveLength(6)
    } finally {
      await db.destroy()
    }
  })

  it('are kept for the state store and the registry too, which run no bulk jobs', async () => {
    const prepare = vi.spyOn(Database.prototype, 'prepare')
    const db = openSqlite(join(mkdtempSync(join(tmpdir(), 'tm-kept-')), 'state.sqlite'))
    try {
      await sql`create table nonce (id text primary key)`.execute(db)
      for (let i = 1; i <= 5; i++) await sql`insert into nonce (id) values (${`n${i}`})`.execute(db)
      const inserts = prepare.mock.calls.filter(([text]) => String(text).startsWith('insert'))
      expect(inserts).toHaveLength(1)
    } finally {
      prepare.mockRestore()
      await db.destroy()
    }
  })
})
