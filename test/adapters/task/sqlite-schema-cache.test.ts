import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeTableSchemaRequest } from '../../../src/adapters/soap/request-writers.ts'
import { ChangeSources } from '../../../src/adapters/task/sources/change-sources.ts'
import { SqliteSchemaCache } from '../../../src/adapters/task/sources/sqlite/sqlite-schema-cache.ts'

const version = (db: Database.Database) => Number(db.pragma('schema_version', { simple: true }))

describe('SQLite schema cache', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-schema-cache-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  function database(name: string, ddl: string): Database.Database {
    const db = new Database(join(dir, name))
    db.exec(ddl)
    return db
  }

  it('reads a schema once, hands out the same frozen tables while it is unchanged, and reads it again after a change', () => {
    const cache = new SqliteSchemaCache()
    const db = database('a.sqlite', 'create table t (id int primary key, a int)')
    const file = join(dir, 'a.sqlite')
    const first = cache.read(file, db, version(db))
    expect(first.tables.map((t) => t.columns.map((c) => c.name))).toEqual([['id', 'a']])
    expect(Object.isFrozen(first.tables[0]) && Object.isFrozen(first.tables[0]!.columns[0])).toBe(true)
    expect(cache.read(file, db, version(db)).tables).toBe(first.tables)
    db.exec('alter table t add column b text')
    expect(cache.read(file, db, version(db)).tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'a', 'b'])
    db.close()
  })

  it('does not take another file put in its place, at the same schema version, for the one it read', () => {
    const cache = new SqliteSchemaCache()
    const a = database('a.sqlite', 'create table t (id int primary key, a int)')
    const b = database('b.sqlite', 'create table t (id int primary key, bb int)')
    expect(version(a)).toBe(version(b))
    const file = join(dir, 'a.sqlite')
    cache.read(file, a, version(a))
    a.close()
    b.close()
    copyFileSync(join(dir, 'b.sqlite'), file)
    const replaced = new Database(file)
    expect(cache.read(file, replaced, version(replaced)).tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'bb'])
    replaced.close()
  })

  it('keeps its reading across the triggers trackTable creates, and across cycles, until a table changes', async () => {
    const file = join(dir, 'tenant.sqlite')
    const app = database('tenant.sqlite', 'create table t (id int primary key); create table u (id int primary key)')
    const open = async () => new ChangeSources().open(`sqlite:${file}`)
    const first = await open()
    await first.enableTracking()
    const tables = await first.readSchema()
    expect(await first.trackTable('t')).toEqual({ justEnabled: true })
    expect(await first.readSchema()).toBe(tables)
    await first.close()
    const second = await open()
    await second.enableTracking()
    expect(await second.readSchema()).toBe(tables)
    expect(await second.trackTable('u')).toEqual({ justEnabled: true })
    app.exec('alter table u add column note text')
    const changed = await second.readSchema()
    expect(changed).not.toBe(tables)
    expect(changed.find((t) => t.name === 'u')!.columns.map((c) => c.name)).toEqual(['id', 'note'])
    await second.close()
    app.close()
  })

  it('writes a frozen table, remembered, exactly as the same table not frozen', () => {
    const table = () => ({
      name: 'person',
      columns: [
        { name: 'id', type: 'int', isNullable: 'false', defaultValue: '' },
        { name: 'name', type: 'nvarchar(40)', isNullable: 'true', defaultValue: "default (N'a<b')" },
      ],
    })
    const request = (tables: ReturnType<typeof table>[]) =>
      writeTableSchemaRequest({ signedToken: 'token', clientState: 'state', tables })
    const frozen = table()
    for (const column of frozen.columns) Object.freeze(column)
    Object.freeze(frozen.columns)
    Object.freeze(frozen)
    const plain = request([table()])
    expect(request([frozen])).toBe(plain)
    expect(request([frozen])).toBe(plain)
    expect(plain).toContain(`<a:DefaultValue>default (N'a&lt;b')</a:DefaultValue>`)
    const other = Object.freeze({ ...frozen, name: 'other' })
    expect(request([frozen, other])).toContain(
      '<a:TableName>person</a:TableName></a:TableSchemaInfo><a:TableSchemaInfo>',
    )
    expect(request([frozen, other])).toContain('<a:TableName>other</a:TableName>')
  })
})
