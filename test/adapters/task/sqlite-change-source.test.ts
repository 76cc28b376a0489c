import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChangeSources } from '../../../src/adapters/task/sources/change-sources.ts'
import { readTable, userTables } from '../../../src/adapters/task/sources/sqlite/sqlite-catalog.ts'
import type { SqliteChangeSource } from '../../../src/adapters/task/sources/sqlite/sqlite-change-source.ts'
import { triggerNames } from '../../../src/adapters/task/sources/sqlite/sqlite-tracking-sql.ts'
import type { SourceSnapshot } from '../../../src/application/task/ports/change-source.port.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import type { WireColumn, WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { describeChangeSourceContract, type EveryTypeFixture } from '../../contracts/change-source.contract.ts'
import { column, EVERY_TYPE, everyTypeRow, schemaOf } from '../../support/schemas.ts'
import { legacyTrackingTriggers, sharedViewTrackingTriggers } from './sqlite-legacy-triggers.ts'

function toParam(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Uint8Array) return Buffer.from(value)
  return value
}

/** The shared fixture's nvarchar(40) value is 42 UTF-16 units long, too long for its own column. */
const widened = (c: WireColumn): WireColumn => (c.name === 'c_nvarchar' ? { ...c, type: 'nvarchar(50)' } : c)

/**
 * SQLite tables can be declared with SuperOffice's own types, which the source reports as they
 * are, except `(max)`, which SQLite's grammar refuses (TEXT and BLOB stand for it), and SQLite's
 * own spellings (`text` is nvarchar(max), `real` an 8-byte float).
 */
const DECLARED: Readonly<Record<string, string>> = { 'nvarchar(max)': 'text', 'varbinary(max)': 'blob' }
const REPORTED: Readonly<Record<string, string>> = { text: 'nvarchar(max)', real: 'float' }

function everyType(): EveryTypeFixture {
  const columns = EVERY_TYPE.columns.map(widened)
  const ddl = `create table every_type (${columns
    .map((c) => `${c.name} ${DECLARED[c.type] ?? c.type}${c.name === 'id' ? ' not null primary key' : ''}`)
    .join(', ')})`
  const wire: WireTableSchema = {
    name: 'every_type',
    columns: columns.map((c) => ({ ...c, type: REPORTED[c.type] ?? c.type })),
  }
  const full = everyTypeRow(1)
  const nulls: Row = [2, ...full.slice(1).map(() => null)]
  // Documented loss: a decimal column has NUMERIC affinity, so SQLite keeps its value as an
  // 8-byte REAL, which holds about 15 significant digits.
  const stored = [...full]
  stored[7] = '12345678901234.5680'
  stored[8] = '12345678901234568000000000000000000000'
  stored[9] = '-922337203685477.6000'
  return { ddl, wire, rows: [full, nulls], expected: [stored, nulls] }
}

interface SqliteSubject {
  dir: string
  file: string
  app: Database.Database
  source: SqliteChangeSource
}

async function openSubject(): Promise<SqliteSubject> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-source-'))
  const file = join(dir, 'tenant.sqlite')
  const app = new Database(file)
  app.pragma('busy_timeout = 5000')
  const source = (await new ChangeSources().open(`sqlite:${file}`)) as SqliteChangeSource
  return { dir, file, app, source }
}

async function closeSubject(s: SqliteSubject): Promise<void> {
  await s.source.close()
  s.app.close()
  rmSync(s.dir, { recursive: true, force: true })
}

describeChangeSourceContract('sqlite', async () => {
  const s = await openSubject()
  return {
    source: s.source,
    async run(sql, params = []) {
      s.app.prepare(sql).run(...params.map(toParam))
    },
    types: { int: 'int', name: 'nvarchar(50)', amount: 'decimal(10,2)' },
    everyType: everyType(),
    close: () => closeSubject(s),
  }
})

describe('sqlite change source', () => {
  let s: SqliteSubject
  beforeEach(async () => {
    s = await openSubject()
  })
  afterEach(async () => {
    await closeSubject(s)
  })

  const read = <T>(work: (snapshot: SourceSnapshot) => Promise<T>) => s.source.snapshot(work)

  /** Every table's changes after `since`, table by table in the schema's order. */
  async function changesSince(since: number) {
    const tables = await s.source.readSchema()
    return read(async (snapshot) => {
      const out = []
      for (const wire of tables) for await (const c of snapshot.readChanges(schemaOf(wire), since)) out.push(c)
      return out
    })
  }

  async function rowsOf(wire: WireTableSchema): Promise<Row[]> {
    await s.source.enableTracking()
    const rows: Row[] = []
    await read(async (snapshot) => {
      for await (const row of snapshot.readRows(schemaOf(wire))) rows.push(row)
    })
    return rows
  }

  it('maps SQLite declared types and defaults to SQL Server types', async () => {
    s.app.exec(`create table native (
      id integer primary key, i int, b boolean default true, t text default 'it''s', v varchar(30) default 'v',
      r real default -1.5, d double, n numeric, m numeric(12,3) default 0, bl blob, ts timestamp default current_timestamp,
      dt datetime default (datetime('now')), c character(10), u uuid, odd strange_thing, plain, dn date default (1 + 1))`)
    s.app.exec('create table text_key (code text primary key, payload blob)')
    expect(await s.source.readSchema()).toEqual([
      {
        name: 'native',
        columns: [
          column('id', 'bigint', 'false'),
          column('i', 'int'),
          column('b', 'bit', 'true', 'default ((1))'),
          column('t', 'nvarchar(max)', 'true', "default (N'it''s')"),
          column('v', 'varchar(30)', 'true', "default ('v')"),
          column('r', 'float', 'true', 'default ((-1.5))'),
          column('d', 'float'),
          column('n', 'decimal(38,10)'),
          column('m', 'numeric(12,3)', 'true', 'default ((0))'),
          column('bl', 'varbinary(max)'),
          column('ts', 'datetime2(7)', 'true', 'default (getdate())'),
          column('dt', 'datetime', 'true', 'default (getdate())'),
          column('c', 'nchar(10)'),
          column('u', 'uniqueidentifier'),
          column('odd', 'decimal(38,10)'),
          column('plain', 'nvarchar(max)'),
          column('dn', 'date'),
        ],
      },
      // No mirror can key on nvarchar(max): a text key takes SQL Server's longest key type.
      { name: 'text_key', columns: [column('code', 'nvarchar(450)', 'false'), column('payload', 'varbinary(max)')] },
    ])
  })

  it('canonicalises the date and time spellings SQLite applications store', async () => {
    s.app.exec('create table times (id int primary key, dt datetime2(7), dto datetimeoffset(7), d date, t time(7))')
    const insert = s.app.prepare('insert into times values (?, ?, ?, ?, ?)')
    insert.run(1, '2024-01-02 03:04:05', '2024-01-02 03:04:05', '2024-01-02', '03:04')
    insert.run(2, '2024-01-02T03:04:05Z', '2024-01-02T03:04:05.5+02:00', '2024-01-02 10:00:00', '03:04:05.123')
    insert.run(
      3,
      '2024-01-02T01:30:00.1234567-02:30',
      '2024-01-02T03:04:05.1234567000Z',
      '2024-01-02T00:00',
      '23:59:59.9999999',
    )
    insert.run(4, 1704164645, 1704164645.5, '2024-01-02', '2024-01-02 03:04:05')
    const wire = (await s.source.readSchema())[0]!
    expect(await rowsOf(wire)).toEqual([
      [1, '2024-01-02 03:04:05.0000000', '2024-01-02 03:04:05.0000000+00:00', '2024-01-02', '03:04:00.0000000'],
      [2, '2024-01-02 03:04:05.0000000', '2024-01-02 03:04:05.5000000+02:00', '2024-01-02', '03:04:05.1230000'],
      [3, '2024-01-02 04:00:00.1234567', '2024-01-02 03:04:05.1234567+00:00', '2024-01-02', '23:59:59.9999999'],
      [4, '2024-01-02 03:04:05.0000000', '2024-01-02 03:04:05.5000000+00:00', '2024-01-02', '03:04:05.0000000'],
    ])
  })

  it('fails on a value that does not fit its column, naming table, key and column but not the value', async () => {
    s.app.exec('create table bad (id int primary key, n int)')
    s.app.prepare('insert into bad values (?, ?)').run(7, 'secret-not-a-number')
    const wire = (await s.source.readSchema())[0]!
    const failure = rowsOf(wire)
    await expect(failure).rejects.toThrow('source table bad, row with key (7), column n: the value is not an integer')
    await expect(failure).rejects.not.toThrow(/secret/)
  })

  it('tracks blob and text keys and gives them back in deletes', async () => {
    s.app.exec('create table blobs (k blob primary key, note text)')
    s.app.exec('create table texts (k text primary key, note text)')
    await s.source.enableTracking()
    await s.source.trackTable('blobs')
    await s.source.trackTable('texts')
    const since = await read((snapshot) => snapshot.currentVersion())
    s.app.prepare('insert into blobs values (?, ?)').run(Buffer.from([0, 1, 255]), 'b')
    s.app.prepare('insert into blobs values (?, ?)').run(Buffer.from([9]), 'gone')
    s.app.prepare('delete from blobs where k = ?').run(Buffer.from([9]))
    s.app.prepare('insert into texts values (?, ?)').run('[1]', 'looks like JSON')
    s.app.prepare('delete from texts where k = ?').run('[1]')
    const changes = await changesSince(since)
    expect(changes.map((c) => [c.operation, c.row])).toEqual([
      ['I', [new Uint8Array([0, 1, 255]), 'b']],
      ['D', [new Uint8Array([9]), null]],
      ['D', ['[1]', null]],
    ])
  })

  it('tracks again, as just enabled, a table that was dropped and created anew', async () => {
    s.app.exec('create table t (id int primary key)')
    await s.source.enableTracking()
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: true })
    s.app.exec('drop table t')
    s.app.exec('create table t (id int primary key)')
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: true })
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: false })
  })

  it('reads the whole schema in one statement exactly as table by table', async () => {
    s.app.exec(`create table "Mixed""Case" (b text, "A" int not null default 7, primary key ("A", b))`)
    s.app.exec('create table no_key (x int)')
    s.app.exec('create table gen (id integer primary key, a int, twice int generated always as (a * 2) virtual)')
    s.app.exec(`create table zeta (name nvarchar(20) not null default 'x', id int primary key)`)
    s.app.exec('create view v as select 1 as one')
    await s.source.enableTracking()
    const tableByTable = userTables(s.app).flatMap((name) => readTable(s.app, name) ?? [])
    expect(tableByTable.map((t) => t.name)).toEqual(['Mixed"Case', 'gen', 'zeta'])
    expect(await s.source.readSchema()).toEqual(tableByTable)
  })

  it('sees a tracking trigger dropped behind its back, and finds a table in any case of its name', async () => {
    s.app.exec('create table t (id int primary key)')
    await s.source.enableTracking()
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: true })
    expect(await s.source.trackTable('T')).toEqual({ justEnabled: false })
    s.app.exec('drop trigger "_tm_ct_del_t"')
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: true })
    expect(
      s.app.prepare(`select count(*) as n from sqlite_master where tbl_name = 't' and type = 'trigger'`).get(),
    ).toEqual({
      n: 3,
    })
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: false })
    await expect(s.source.trackTable('missing')).rejects.toThrow(/does not exist or has no primary key/)
  })

  it('rewrites the triggers of an earlier release in place, keeping every change they recorded', async () => {
    s.app.exec('create table a (id int primary key, note text); create table b (k1 text, k2 int, primary key (k1, k2))')
    s.app.exec('create table c (id int primary key)')
    await s.source.enableTracking()
    for (const t of ['a', 'b', 'c']) await s.source.trackTable(t)
    const since = await read((snapshot) => snapshot.currentVersion())
    // What a source tracked by an earlier release looks like: no _tm_ct_change, long triggers.
    s.app.exec('drop trigger "_tm_ct_record"; drop view "_tm_ct_change"')
    s.app.exec('drop trigger "_tm_ct_record_1"; drop view "_tm_ct_change_1"')
    for (const t of ['a', 'b', 'c']) {
      for (const name of triggerNames(t)) s.app.exec(`drop trigger "${name}"`)
      for (const sql of legacyTrackingTriggers(t, t === 'b' ? ['k1', 'k2'] : ['id'])) s.app.exec(sql)
    }
    s.app.exec(
      `insert into a values (1, 'x'), (2, 'y'); update a set note = 'z' where id = 2; insert into b values ('p', 1)`,
    )
    s.app.exec('drop trigger "_tm_ct_del_c"')
    await s.source.close()
    s.source = (await new ChangeSources().open(`sqlite:${s.file}`)) as SqliteChangeSource
    await s.source.enableTracking()

    const triggers = s.app
      .prepare(
        `select name, sql from sqlite_master where type = 'trigger' and name not in ('_tm_ct_record', '_tm_ct_record_1') order by name`,
      )
      .all() as { name: string; sql: string }[]
    expect(triggers.map((t) => t.name)).toEqual([
      '_tm_ct_del_a',
      '_tm_ct_del_b',
      '_tm_ct_ins_a',
      '_tm_ct_ins_b',
      '_tm_ct_ins_c',
      '_tm_ct_upd_a',
      '_tm_ct_upd_b',
      '_tm_ct_upd_c',
    ])
    // A one-column key goes through _tm_ct_change_1, a key of several columns straight to _tm_ct_change.
    for (const t of triggers)
      expect(t.sql).toContain(
        t.name.endsWith('_b') ? 'insert into "_tm_ct_change" values' : 'insert into "_tm_ct_change_1" values',
      )
    expect(await s.source.trackTable('a')).toEqual({ justEnabled: false })
    // The trigger dropped behind the old release's back is still missing: c reloads.
    expect(await s.source.trackTable('c')).toEqual({ justEnabled: true })

    s.app.exec(
      `update a set id = 3 where id = 1; delete from a where id = 2; update b set k2 = 2; insert into c values (1)`,
    )
    const changes = await changesSince(since)
    expect(changes.map((c) => [c.operation, c.row])).toEqual([
      ['D', [1, null]],
      ['I', [3, 'x']],
      ['D', [2, null]],
      ['D', ['p', 1]],
      ['I', ['p', 2]],
      ['I', [1]],
    ])
  })

  it("rewrites the one-column keys' triggers of the release before _tm_ct_change_1, keeping their changes", async () => {
    s.app.exec('create table a (id int primary key, note text); create table b (k1 text, k2 int, primary key (k1, k2))')
    await s.source.enableTracking()
    for (const t of ['a', 'b']) await s.source.trackTable(t)
    const since = await read((snapshot) => snapshot.currentVersion())
    s.app.exec('drop trigger "_tm_ct_record_1"; drop view "_tm_ct_change_1"')
    for (const t of ['a', 'b']) {
      for (const name of triggerNames(t)) s.app.exec(`drop trigger "${name}"`)
      for (const sql of sharedViewTrackingTriggers(t, t === 'b' ? ['k1', 'k2'] : ['id'])) s.app.exec(sql)
    }
    const before = s.app.prepare(`select sql from sqlite_master where name = '_tm_ct_ins_b'`).pluck().get()
    s.app.exec(`insert into a values (1, 'x'), (2, 'y'); insert into b values ('p', 1)`)
    await s.source.close()
    s.source = (await new ChangeSources().open(`sqlite:${s.file}`)) as SqliteChangeSource
    await s.source.enableTracking()

    const sqlOf = (name: string) => s.app.prepare(`select sql from sqlite_master where name = ?`).pluck().get(name)
    for (const name of triggerNames('a')) expect(sqlOf(name)).toContain('"_tm_ct_change_1"')
    // A key of several columns keeps its triggers as they were.
    expect(sqlOf('_tm_ct_ins_b')).toBe(before)
    expect(await s.source.tablesToTrack(['a', 'b'])).toEqual([])
    s.app.exec(`update a set id = 3 where id = 1; delete from a where id = 2; update b set k2 = 2`)
    const changes = await changesSince(since)
    expect(changes.map((c) => [c.operation, c.row])).toEqual([
      ['D', [1, null]],
      ['I', [3, 'x']],
      ['D', [2, null]],
      ['D', ['p', 1]],
      ['I', ['p', 2]],
    ])
  })

  it('records a one-column key of any storage class as the same JSON text as a key of several columns', async () => {
    s.app.exec('create table one (k primary key, v int); create table two (k, z int, v int, primary key (k, z))')
    await s.source.enableTracking()
    for (const t of ['one', 'two']) await s.source.trackTable(t)
    const keys: unknown[] = [1, -7, 2 ** 53 + 1, 1.5, '1', 'ä "q" \\', Buffer.from([0, 255, 16]), null]
    for (const [i, k] of keys.entries()) {
      s.app.prepare('insert into one values (?, ?)').run(k, i)
      s.app.prepare('insert into two values (?, 0, ?)').run(k, i)
      s.app.prepare('update one set v = v + 1 where k is ?').run(k)
      s.app.prepare('update two set v = v + 1 where k is ?').run(k)
    }
    s.app.prepare('delete from one where k is ?').run(keys[1])
    s.app.prepare('delete from two where k is ?').run(keys[1])
    const recorded = (table: string) =>
      s.app.prepare(`select key, operation from "_tm_ct_changes" where table_name = ? order by version`).all(table) as {
        key: string
        operation: string
      }[]
    const two = recorded('two').map(({ key, operation }) => ({ key: key.replace(/,0]$/, ']'), operation }))
    expect(recorded('one')).toEqual(two)
    expect(recorded('one')).toHaveLength(keys.length)
    expect(recorded('one').map((r) => r.key)).toContain('[{"b":"00FF10"}]')
    expect(recorded('one').map((r) => r.key)).toContain('["1"]')
  })

  it('tracks, reads the schema and opens a second snapshot while a snapshot reads on its connection', async () => {
    s.app.exec('create table a (id int primary key); insert into a values (1), (2)')
    s.app.exec('create table b (id int primary key)')
    await s.source.enableTracking()
    expect(await s.source.trackTable('a')).toEqual({ justEnabled: true })
    const wire = (await s.source.readSchema()).find((t) => t.name === 'a')!
    await read(async (outer) => {
      const version = await outer.currentVersion()
      expect(await s.source.trackTable('b')).toEqual({ justEnabled: true })
      expect((await s.source.readSchema()).map((t) => t.name)).toEqual(['a', 'b'])
      expect(await read((inner) => inner.minValidVersion('b'))).toBe(version)
      s.app.exec('insert into a values (3)')
      const rows: Row[] = []
      for await (const row of outer.readRows(schemaOf(wire))) rows.push(row)
      // The outer snapshot still reads as of its start.
      expect(rows).toEqual([[1], [2]])
      expect(await outer.currentVersion()).toBe(version)
    })
    expect(await s.source.trackTable('b')).toEqual({ justEnabled: false })
    expect(await read((snapshot) => snapshot.countChanges('a', 0))).toBe(1)
  })

  it('drops a connection left busy by an unfinished stream and goes on with a fresh one', async () => {
    // A row without its key: the table is read by an iterator, which holds the connection (pages do not).
    s.app.exec('create table a (id int primary key); insert into a values (1), (null)')
    await s.source.enableTracking()
    await s.source.trackTable('a')
    const wire = (await s.source.readSchema())[0]!
    const abandoned = read(async (snapshot) => {
      await snapshot.readRows(schemaOf(wire))[Symbol.asyncIterator]().next()
    })
    await expect(abandoned).rejects.toThrow(/busy/)
    expect(await s.source.trackTable('a')).toEqual({ justEnabled: false })
    expect(await read((snapshot) => snapshot.countRows('a'))).toBe(2)
  })

  it('reads one stream at a time, and frees the connection when a stream ends, fails or is left early', async () => {
    s.app.exec('create table a (id int primary key, n int); insert into a values (1, 1), (2, 2), (3, 3)')
    s.app.exec("create table bad (id int primary key, n int); insert into bad values (1, 1), (2, 'x'), (3, 3)")
    await s.source.enableTracking()
    await s.source.trackTable('a')
    await s.source.trackTable('bad')
    const wires = await s.source.readSchema()
    const a = schemaOf(wires.find((w) => w.name === 'a')!)
    const bad = schemaOf(wires.find((w) => w.name === 'bad')!)
    const seen = await read(async (snapshot) => {
      const seen: unknown[] = []
      // Nothing is read before the first next: a stream made but not started holds nothing.
      const unstarted = snapshot.readRows(a)
      for await (const row of snapshot.readRows(a)) {
        seen.push(row[0])
        await expect(snapshot.countRows('a')).rejects.toThrow(/one stream at a time/)
        if (row[0] === 1) await expect(unstarted[Symbol.asyncIterator]().next()).rejects.toThrow(/one stream at a time/)
        if (row[0] === 2) break
      }
      seen.push(await snapshot.countRows('a'))
      await expect(
        (async () => {
          for await (const row of snapshot.readRows(bad)) seen.push(row[0])
        })(),
      ).rejects.toThrow('source table bad, row with key (2), column n: the value is not an integer')
      for await (const change of snapshot.readChanges(a, -1)) seen.push(change.row[0])
      for await (const row of snapshot.readRows(a)) seen.push(row[0])
      return seen
    })
    expect(seen).toEqual([1, 2, 3, 1, 1, 2, 3])
  })

  it('closes the connection a snapshot reads on once the snapshot ends', async () => {
    s.app.exec('create table a (id int primary key)')
    await s.source.enableTracking()
    await s.source.trackTable('a')
    const version = await read(async (snapshot) => {
      await s.source.close()
      return snapshot.minValidVersion('a')
    })
    expect(version).toBe(0)
    await expect(s.source.trackTable('a')).rejects.toThrow(/not open/)
  })

  it('puts the database in WAL mode so that snapshots never block the application', async () => {
    await s.source.enableTracking()
    expect(s.app.pragma('journal_mode', { simple: true })).toBe('wal')
  })

  it('refuses a file that does not exist instead of creating an empty source', async () => {
    await expect(new ChangeSources().open(`sqlite:${join(s.dir, 'missing.sqlite')}`)).rejects.toThrow(/does not exist/)
    await expect(new ChangeSources().open('oracle://scott:tiger@host/db')).rejects.toThrow(
      "unsupported source URL scheme 'oracle:'",
    )
  })

  it('reads a table a page at a time in key order, with keys of several columns, collations and any count of rows', async () => {
    // 1,000 rows end exactly on a page; 1,237 do not. NOCASE orders 'b' and 'B' as one letter.
    s.app.exec(`create table pairs (name text not null collate nocase, n int not null, v text, primary key (name, n));
      create table whole (id int not null primary key, v text)`)
    const pairs = s.app.prepare('insert into pairs values (?, ?, ?)')
    const whole = s.app.prepare('insert into whole values (?, ?)')
    s.app.transaction(() => {
      for (let i = 0; i < 1237; i++) pairs.run(['a', 'B', 'b2', 'c', 'Ä'][i % 5], Math.floor(i / 5) - 100, `v${i}`)
      for (let i = 0; i < 1000; i++) whole.run(1000 - i, `w${i}`)
    })()
    const wires = await s.source.readSchema()
    for (const name of ['pairs', 'whole']) {
      const expected = s.app
        .prepare(`select * from ${name} order by ${name === 'pairs' ? 'name, n' : 'id'}`)
        .raw(true)
        .all()
      const rows = await rowsOf(wires.find((w) => w.name === name)!)
      expect(rows).toEqual(expected)
    }
  })

  it('reads a table whose key may hold NULL all the same, NULL keys first', async () => {
    // More keyless rows than a page holds: a page ending on one could not say where to go on.
    s.app.exec("create table loose (k text primary key, v int); insert into loose values ('b', 2), ('a', 1)")
    const insert = s.app.prepare('insert into loose values (null, ?)')
    for (let i = 0; i < 600; i++) insert.run(i)
    const wire = (await s.source.readSchema()).find((w) => w.name === 'loose')!
    const rows = await rowsOf(wire)
    expect(rows).toHaveLength(602)
    expect(rows.slice(0, 600).every((r) => r[0] === null)).toBe(true)
    expect(rows.slice(600)).toEqual([
      ['a', 1],
      ['b', 2],
    ])
  })

  it('streams a 100 000-row table without holding it', async () => {
    s.app.exec('create table big (id int primary key, payload text)')
    const insert = s.app.prepare('insert into big values (?, ?)')
    s.app.transaction(() => {
      for (let i = 1; i <= 100_000; i++) insert.run(i, `${i}:`.padEnd(1000, 'x'))
    })()
    const wire = (await s.source.readSchema())[0]!
    await s.source.enableTracking()
    const start = process.memoryUsage().heapUsed
    let peak = start
    let count = 0
    let last = 0
    await read(async (snapshot) => {
      for await (const row of snapshot.readRows(schemaOf(wire))) {
        count++
        last = row[0] as number
        if (count % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed)
      }
    })
    expect(count).toBe(100_000)
    expect(last).toBe(100_000)
    // The rows' text alone is 100 MB; a reader holding them would grow by at least that much.
    expect(peak - start).toBeLessThan(60 * 1024 * 1024)
  })
})
