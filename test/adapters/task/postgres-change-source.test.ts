import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChangeSources } from '../../../src/adapters/task/sources/change-sources.ts'
import type { PostgresChangeSource } from '../../../src/adapters/task/sources/postgres/postgres-change-source.ts'
import type { SourceChange, SourceSnapshot } from '../../../src/application/task/ports/change-source.port.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import type { WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { describeChangeSourceContract, type EveryTypeFixture } from '../../contracts/change-source.contract.ts'
import { column, everyTypeRow, schemaOf } from '../../support/schemas.ts'
import { POSTGRES_URL } from '../../support/servers.ts'

/** `?` placeholders to PostgreSQL's `$n`; values in the forms pg binds. */
function bind(sql: string, params: readonly unknown[]): [string, unknown[]] {
  let n = 0
  const text = sql.replace(/\?/g, () => `$${++n}`)
  const values = params.map((v) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v) : v,
  )
  return [text, values]
}

/**
 * PostgreSQL types for every wire type of the shared fixture; where PostgreSQL has no equal
 * (tinyint, money, datetime, 7 fractional digits), the type the mapping turns back into the
 * nearest SQL Server type.
 */
const EVERY_TYPE_COLUMNS: readonly (readonly [string, string, string])[] = [
  ['id', 'integer not null primary key', 'int'],
  ['c_tinyint', 'smallint', 'smallint'],
  ['c_smallint', 'smallint', 'smallint'],
  ['c_bigint', 'bigint', 'bigint'],
  ['c_bit', 'boolean', 'bit'],
  ['c_real', 'real', 'real'],
  ['c_float', 'double precision', 'float'],
  ['c_decimal', 'numeric(18,4)', 'decimal(18,4)'],
  ['c_numeric', 'numeric(38,0)', 'decimal(38,0)'],
  ['c_money', 'numeric(19,4)', 'decimal(19,4)'],
  ['c_smallmoney', 'numeric(10,4)', 'decimal(10,4)'],
  ['c_datetime', 'timestamp(3)', 'datetime2(3)'],
  ['c_datetime2', 'timestamp(6)', 'datetime2(6)'],
  ['c_smalldatetime', 'timestamp(0)', 'datetime2(0)'],
  ['c_date', 'date', 'date'],
  ['c_time', 'time(6)', 'time(6)'],
  ['c_dto', 'timestamptz(6)', 'datetimeoffset(6)'],
  ['c_char', 'char(3)', 'nchar(3)'],
  ['c_varchar', 'varchar(20)', 'nvarchar(20)'],
  ['c_nchar', 'char(3)', 'nchar(3)'],
  // The shared fixture's value is 42 UTF-16 units long, too long for its nvarchar(40).
  ['c_nvarchar', 'varchar(50)', 'nvarchar(50)'],
  ['c_nvarchar_max', 'text', 'nvarchar(max)'],
  ['c_text', 'text', 'nvarchar(max)'],
  ['c_ntext', 'text', 'nvarchar(max)'],
  ['c_binary', 'bytea', 'varbinary(max)'],
  ['c_varbinary', 'bytea', 'varbinary(max)'],
  ['c_image', 'bytea', 'varbinary(max)'],
  ['c_guid', 'uuid', 'uniqueidentifier'],
  ['c_xml', 'xml', 'xml'],
]

function everyType(): EveryTypeFixture {
  const full = everyTypeRow(1)
  const nulls: Row = [2, ...full.slice(1).map(() => null)]
  // PostgreSQL keeps microseconds: the fixture's 7th digits would be rounded, so the inserted
  // values carry 6, and a timestamptz comes back in UTC (PostgreSQL does not keep the offset).
  const inserted = [...full]
  inserted[12] = '0001-01-01 00:00:00.123456'
  inserted[15] = '23:59:59.999999'
  inserted[16] = '2020-05-18 10:40:43.123456+02:00'
  inserted[27] = '6f9619ff-8b86-d011-b42d-00c04fc964ff'
  const expected = [...full]
  expected[12] = '0001-01-01 00:00:00.1234560'
  expected[15] = '23:59:59.9999990'
  expected[16] = '2020-05-18 08:40:43.1234560+00:00'
  return {
    ddl: `create table every_type (${EVERY_TYPE_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})`,
    wire: {
      name: 'every_type',
      columns: EVERY_TYPE_COLUMNS.map(([name, , type]) => column(name, type, name === 'id' ? 'false' : 'true')),
    },
    rows: [inserted, nulls],
    expected: [expected, nulls],
  }
}

interface PostgresSubject {
  schema: string
  url: string
  app: pg.Client
  source: PostgresChangeSource
  run(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult>
  close(): Promise<void>
}

async function appClient(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  await client.query(`set search_path to ${pg.escapeIdentifier(schema)}`)
  return client
}

async function openSubject(): Promise<PostgresSubject> {
  const schema = `tm_src_${randomBytes(4).toString('hex')}`
  const app = new pg.Client({ connectionString: POSTGRES_URL })
  await app.connect()
  await app.query(`create schema ${schema}`)
  await app.query(`set search_path to ${schema}`)
  const url = new URL(POSTGRES_URL)
  url.searchParams.set('schema', schema)
  const source = (await new ChangeSources().open(url.toString())) as PostgresChangeSource
  return {
    schema,
    url: url.toString(),
    app,
    source,
    run: (sql, params = []) => app.query(...bind(sql, params)),
    async close() {
      await source.close()
      await app.query(`drop schema ${schema} cascade`)
      await app.end()
    },
  }
}

describeChangeSourceContract('postgres', async () => {
  const s = await openSubject()
  return {
    source: s.source,
    async run(sql, params = []) {
      await s.run(sql, params)
    },
    types: { int: 'integer', name: 'varchar(50)', amount: 'numeric(10,2)' },
    everyType: everyType(),
    close: () => s.close(),
  }
})

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

describe('postgres change source', () => {
  let s: PostgresSubject
  beforeEach(async () => {
    s = await openSubject()
  })
  afterEach(async () => {
    await s.close()
  })

  const read = <T>(work: (snapshot: SourceSnapshot) => Promise<T>) => s.source.snapshot(work)
  const current = () => read((snapshot) => snapshot.currentVersion())
  const table = async (name: string) => schemaOf((await s.source.readSchema()).find((t) => t.name === name)!)

  async function tracked(ddl: string, name: string): Promise<number> {
    await s.run(ddl)
    await s.source.enableTracking()
    await s.source.trackTable(name)
    return current()
  }

  it('maps catalog types and defaults to SQL Server types', async () => {
    await s.run('create domain short_code as varchar(8)')
    await s.run(`create table mapped (
      id bigint generated always as identity primary key, serial_no serial, flag boolean not null default true,
      qty integer default -1, price numeric, huge numeric(50,2), label varchar default 'it''s', stamp timestamp default now(),
      stamptz timestamptz(3) default current_timestamp, t time, guid uuid default gen_random_uuid(), doc jsonb,
      span interval, tags text[], sc short_code, fixed char, amount numeric(8,2) default 1.5, utc timestamp default timezone('utc', now()))`)
    await s.run('create table text_key (code text primary key, note text)')
    const expected: WireTableSchema[] = [
      {
        name: 'mapped',
        columns: [
          column('id', 'bigint', 'false'),
          column('serial_no', 'int', 'false'),
          column('flag', 'bit', 'false', 'default ((1))'),
          column('qty', 'int', 'true', 'default ((-1))'),
          column('price', 'decimal(38,10)'),
          column('huge', 'nvarchar(max)'),
          column('label', 'nvarchar(max)', 'true', "default (N'it''s')"),
          column('stamp', 'datetime2(6)', 'true', 'default (getdate())'),
          column('stamptz', 'datetimeoffset(3)', 'true', 'default (getdate())'),
          column('t', 'time(6)'),
          column('guid', 'uniqueidentifier', 'true', 'default (newid())'),
          column('doc', 'nvarchar(max)'),
          column('span', 'nvarchar(max)'),
          column('tags', 'nvarchar(max)'),
          column('sc', 'nvarchar(8)'),
          column('fixed', 'nchar(1)'),
          column('amount', 'decimal(8,2)', 'true', 'default ((1.5))'),
          column('utc', 'datetime2(6)', 'true', 'default (getutcdate())'),
        ],
      },
      // No mirror can key on nvarchar(max): a text key takes SQL Server's longest key type.
      { name: 'text_key', columns: [column('code', 'nvarchar(450)', 'false'), column('note', 'nvarchar(max)')] },
    ]
    expect(await s.source.readSchema()).toEqual(expected)

    await s.source.enableTracking()
    await s.run(`insert into mapped (price, huge, doc, span, tags, sc, fixed, guid, t)
                 values (1.5, 123.45, '{"a": 1}', '1 day 2 hours', '{a,b}', 'abc', 'z', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10:11:12')`)
    const [row] = await read(async (snapshot) => collect(snapshot.readRows(await table('mapped'))))
    expect(row).toMatchObject([
      1n,
      1,
      true,
      -1,
      '1.5000000000',
      '123.45',
      "it's",
      expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{7}$/),
      expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{7}\+00:00$/),
      '10:11:12.0000000',
      'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      '{"a": 1}',
      '1 day 02:00:00',
      '{a,b}',
      'abc',
      'z',
      '1.50',
      expect.any(String),
    ])
  })

  it('fails on a value that does not fit its column, naming table, key and column but not the value', async () => {
    await s.run('create table bad (id integer primary key, n numeric)')
    await s.source.enableTracking()
    await s.run('insert into bad values (7, 0.123456789012345)')
    const failure = read(async (snapshot) => collect(snapshot.readRows(await table('bad'))))
    await expect(failure).rejects.toThrow(
      'source table bad, row with key (7), column n: the value has more than 10 decimal places',
    )
    await expect(failure).rejects.not.toThrow(/123456789/)
  })

  it('gives back keys of any type in deletes', async () => {
    const v = await tracked(
      'create table keyed (k bytea, at timestamp(6), n numeric(5,2), note text, primary key (k, at, n))',
      'keyed',
    )
    const key = [Buffer.from([0, 1, 255]), '2024-01-02 03:04:05.123456', '-1.50']
    await s.run('insert into keyed values ($1, $2, $3, $4)', [...key, 'gone'])
    await s.run('insert into keyed values ($1, $2, $3, $4)', [Buffer.from([7]), '2024-01-02 00:00:00', 2, 'kept'])
    await s.run('delete from keyed where k = $1 and at = $2 and n = $3', key)
    const changes = await read(async (snapshot) => collect(snapshot.readChanges(await table('keyed'), v)))
    expect(changes.map((c) => [c.operation, c.row])).toEqual([
      ['I', [new Uint8Array([7]), '2024-01-02 00:00:00.0000000', '2.00', 'kept']],
      ['D', [new Uint8Array([0, 1, 255]), '2024-01-02 03:04:05.1234560', '-1.50', null]],
    ])
  })

  it('gives all changes of one transaction one version', async () => {
    const v = await tracked('create table t (id integer primary key, note text)', 't')
    await s.run('begin')
    await s.run("insert into t values (1, 'a'), (2, 'b')")
    await s.run("update t set note = 'c' where id = 1")
    await s.run('commit')
    const changes = await read(async (snapshot) => collect(snapshot.readChanges(await table('t'), v)))
    expect(changes.map((c) => [c.operation, c.row])).toEqual([
      ['I', [1, 'c']],
      ['I', [2, 'b']],
    ])
    expect(new Set(changes.map((c) => c.version))).toEqual(new Set([v + 1]))
    expect(await current()).toBe(v + 1)
  })

  it('commits writers of tracked tables in version order, so that a reader never skips a change', async () => {
    const v0 = await tracked('create table t (id integer primary key, note text)', 't')
    await s.run('create table untracked (id integer primary key)')
    const first = await appClient(s.schema)
    const second = await appClient(s.schema)
    try {
      await first.query('begin')
      await first.query("insert into t values (1, 'first')")
      await second.query('begin')
      // A table without tracking is not held up by a tracked transaction in flight.
      await second.query('insert into untracked values (1)')
      const secondWrite = second.query("insert into t values (2, 'second')")
      await waitUntilBlocked(s.app, second)

      // Neither has committed: a reader now sees the version before both.
      const seen = await current()
      expect(seen).toBe(v0)
      expect(await read(async (snapshot) => snapshot.countChanges('t', v0))).toBe(0)

      await first.query('commit')
      await secondWrite
      await second.query('commit')
      const changes: SourceChange[] = await read(async (snapshot) =>
        collect(snapshot.readChanges(await table('t'), seen)),
      )
      expect(changes.map((c) => c.row[0])).toEqual([1, 2])
      expect(changes[0]!.version).toBeGreaterThan(seen)
      expect(changes[1]!.version).toBeGreaterThan(changes[0]!.version)
    } finally {
      await first.end()
      await second.end()
    }
  })

  it('makes a mirror reload a truncated table', async () => {
    const v0 = await tracked('create table t (id integer primary key)', 't')
    await s.run('insert into t values (1), (2)')
    await s.run('truncate t')
    const after = await current()
    expect(after).toBeGreaterThan(v0)
    expect(await read((snapshot) => snapshot.minValidVersion('t'))).toBe(after)
    expect(await read((snapshot) => snapshot.countChanges('t', v0))).toBe(0)
  })

  it('records changes of application roles that have no rights on the bookkeeping', async () => {
    const role = `tm_app_${randomBytes(4).toString('hex')}`
    await tracked('create table t (id integer primary key)', 't')
    await s.run(`create role ${role}`)
    try {
      await s.run(`grant usage on schema ${s.schema} to ${role}`)
      await s.run(`grant insert, select on t to ${role}`)
      await s.run(`set role ${role}`)
      await s.run('insert into t values (1)')
      await s.run('reset role')
      expect(await read((snapshot) => snapshot.countChanges('t', 0))).toBe(1)
    } finally {
      await s.run('reset role')
      await s.run(`drop owned by ${role}`)
      await s.run(`drop role ${role}`)
    }
  })

  it('tracks again, as just enabled, a table whose primary key changed', async () => {
    await tracked('create table t (a integer not null, b integer not null, constraint t_pk primary key (a))', 't')
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: false })
    await s.run('alter table t drop constraint t_pk, add primary key (a, b)')
    expect(await s.source.trackTable('t')).toEqual({ justEnabled: true })
  })

  it('says so when tracking was never enabled, and names no password when the server is unreachable', async () => {
    await expect(read((snapshot) => snapshot.currentVersion())).rejects.toThrow(/change tracking is not enabled/)
    const unreachable = new ChangeSources().open('postgres://someone:hunter2secret@127.0.0.1:1/tenant')
    await expect(unreachable).rejects.toThrow(/cannot reach postgres source 127\.0\.0\.1:1\/tenant/)
    await expect(unreachable).rejects.not.toThrow(/hunter2secret/)
  })

  it('streams a 100 000-row table without holding it', async () => {
    await s.run('create table big (id integer primary key, payload text)')
    await s.run(`insert into big select g, rpad(g::text || ':', 1000, 'x') from generate_series(1, 100000) g`)
    await s.source.enableTracking()
    const schema = await table('big')
    const start = process.memoryUsage().heapUsed
    let peak = start
    let count = 0
    let last = 0
    await read(async (snapshot) => {
      for await (const row of snapshot.readRows(schema)) {
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

/** Waits until the client's backend waits for a lock, as the second writer must. */
async function waitUntilBlocked(observer: pg.Client, client: pg.Client): Promise<void> {
  const pid = (client as unknown as { processID: number }).processID
  for (let i = 0; i < 200; i++) {
    const { rows } = await observer.query('select wait_event_type from pg_stat_activity where pid = $1', [pid])
    if (rows[0]?.wait_event_type === 'Lock') return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the second writer never waited for the first')
}
