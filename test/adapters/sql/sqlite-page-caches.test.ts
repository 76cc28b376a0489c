import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { PAGE_CACHE_KIB, SqliteConnector } from '../../../src/adapters/sql/dialects/sqlite/sqlite-connector.ts'
import { SqlitePageCaches } from '../../../src/adapters/sql/dialects/sqlite/sqlite-page-caches.ts'
import type { Db } from '../../../src/adapters/sql/sql-dialect.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'

const opened: Database.Database[] = []
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close()
})

function open(): Database.Database {
  const db = new Database(':memory:')
  opened.push(db)
  return db
}

const cacheKib = (db: Database.Database) => -Number(db.pragma('cache_size', { simple: true }))

describe('the page cache shared by open SQLite mirrors', () => {
  it("gives a lone mirror SQLite's default and splits the budget as more open, down to 256 KiB", () => {
    const caches = new SqlitePageCaches(6000)
    const [a, b, c] = [open(), open(), open()]
    caches.join(a)
    expect(cacheKib(a)).toBe(2000)
    caches.join(b)
    caches.join(c)
    expect([cacheKib(a), cacheKib(b), cacheKib(c)]).toEqual([2000, 2000, 2000])
    const d = open()
    caches.join(d)
    expect(caches.eachKib).toBe(1500)
    expect([a, b, c, d].map(cacheKib)).toEqual([1500, 1500, 1500, 1500])
    const many = Array.from({ length: 30 }, open)
    for (const db of many) caches.join(db)
    expect(caches.eachKib).toBe(256)
    expect(cacheKib(a)).toBe(256)
    expect(cacheKib(many.at(-1)!)).toBe(256)
  })

  it('gives the share back as mirrors close, and leaves a streaming connection be', () => {
    const caches = new SqlitePageCaches(1000)
    const [a, b, c] = [open(), open(), open()]
    caches.join(a)
    caches.join(b)
    expect(cacheKib(a)).toBe(500)
    // a is in the middle of reading rows: it takes no statement, and the others still resize.
    a.exec('create table t (x); insert into t values (1), (2)')
    const rows = a.prepare('select x from t').iterate()
    rows.next()
    expect(() => caches.join(c)).not.toThrow()
    expect(cacheKib(b)).toBe(333)
    rows.return?.()
    expect(cacheKib(a)).toBe(500)
    caches.leave(b)
    caches.leave(c)
    expect(caches.eachKib).toBe(1000)
    expect(cacheKib(a)).toBe(1000)
    caches.leave(c)
    expect(caches.eachKib).toBe(1000)
  })
})

describe("a SQLite connector's mirrors", () => {
  it('share 16 MiB of page cache: 2,000 KiB each up to 8 open, less beyond, more again as they close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-caches-'))
    const connector = new SqliteConnector(dir, (id) => `Mirror_${id}`)
    const cacheOf = async (db: Db) =>
      -Number((await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows[0]?.cache_size)
    const mirrors: Db[] = []
    // Kysely closes a connection it has used: each mirror is read once, as the service's are.
    const opened = async (i: number) => {
      const db = await connector.open(`Cust${i}` as ContextId)
      await cacheOf(db)
      return db
    }
    try {
      for (let i = 0; i < 8; i++) mirrors.push(await opened(i))
      expect(await cacheOf(mirrors[0]!)).toBe(2000)
      for (let i = 8; i < 40; i++) mirrors.push(await opened(i))
      expect(await cacheOf(mirrors[0]!)).toBe(Math.floor(PAGE_CACHE_KIB / 40))
      expect(await cacheOf(mirrors[39]!)).toBe(Math.floor(PAGE_CACHE_KIB / 40))
      for (const db of mirrors.splice(8)) await db.destroy()
      expect(await cacheOf(mirrors[0]!)).toBe(2000)
    } finally {
      for (const db of mirrors) await db.destroy()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
