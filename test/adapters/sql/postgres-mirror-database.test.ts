import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import { PostgresConnector } from '../../../src/adapters/sql/dialects/postgres/postgres-connector.ts'
import {
  classifyPostgresError,
  describePostgresError,
} from '../../../src/adapters/sql/dialects/postgres/postgres-errors.ts'
import { postgresMirrorSql } from '../../../src/adapters/sql/dialects/postgres/postgres-mirror-sql.ts'
import { WIPE_BY_DELETE_ROWS } from '../../../src/adapters/sql/dialects/postgres/postgres-wipe.ts'
import { KyselyMirrorDatabases } from '../../../src/adapters/sql/kysely-mirror-databases.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import { decodeBatch } from '../../../src/domain/changes/change-batch.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import type { TableSchema } from '../../../src/domain/schema/table-schema.ts'
import { spannedRows } from '../../../src/testing/table-fixtures.ts'
import { describeMirrorDatabaseContract } from '../../contracts/mirror-database.contract.ts'
import { changes, column, createPlan, schemaOf } from '../../support/schemas.ts'
import { POSTGRES_URL, uniqueTemplate } from '../../support/servers.ts'

const CTX = 'Cust1' as ContextId
const created: { layout: 'database' | 'schema'; name: string }[] = []

afterAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  for (const { layout, name } of created) {
    await admin.query(
      layout === 'database'
        ? `drop database if exists "${name}" with (force)`
        : `drop schema if exists "${name}" cascade`,
    )
  }
  await admin.end()
})

function subject(layout: 'database' | 'schema', template = uniqueTemplate('tmpg')) {
  const naming = databaseNaming(template)
  created.push({ layout, name: naming(CTX) })
  const provider = new KyselyMirrorDatabases(postgresMirrorSql, new PostgresConnector(POSTGRES_URL, layout, naming), {
    maxOpen: 4,
    idleMs: 60_000,
  })
  return { provider, name: naming(CTX) }
}

/** A plain connection to where the tenant's tables live, for looking behind the mirror's back. */
async function side(layout: 'database' | 'schema', name: string): Promise<pg.Client> {
  const url = new URL(POSTGRES_URL)
  if (layout === 'database') url.pathname = `/${name}`
  const client = new pg.Client({
    connectionString: url.toString(),
    options: layout === 'schema' ? `-c search_path="${name}"` : undefined,
  })
  await client.connect()
  return client
}

/** datetime2/time/datetimeoffset keep six fractional digits; timestamptz keeps the instant, in UTC. */
function storedInPostgres(row: Row, table: TableSchema): Row {
  return row.map((value, i) => {
    const kind = table.columns[i]!.type.kind
    if (typeof value !== 'string') return value
    if (kind === 'datetime2' || kind === 'time') return value.replace(/(\.\d{6})\d/, '$10')
    if (kind === 'datetimeoffset') return toUtc(value)
    return value
  })
}

function toUtc(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\.(\d{7})([+-])(\d{2}):(\d{2})$/.exec(text)!
  const offset = (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 60 + Number(m[6]))
  const iso = new Date(Date.parse(`${m[1]}T${m[2]}Z`) - offset * 60_000).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${m[3]!.slice(0, 6)}0+00:00`
}

for (const layout of ['database', 'schema'] as const) {
  describeMirrorDatabaseContract(`postgres (${layout} per tenant)`, async () => {
    const { provider, name } = subject(layout)
    const db = await provider.forTenant(CTX)
    await db.readState()
    const client = await side(layout, name)
    return {
      db,
      inspect: await provider.inspect(CTX),
      stored: storedInPostgres,
      async createForeignTable(table) {
        await client.query(`create table "${table}" (id integer primary key, note text)`)
      },
      async tableExists(table) {
        const { rowCount } = await client.query(
          'select 1 from information_schema.tables where table_schema = current_schema() and table_name = $1',
          [table],
        )
        return (rowCount ?? 0) > 0
      },
      async cleanup() {
        await client.end()
        await provider.close()
      },
    }
  })
}

describe('postgres mirrors', () => {
  const wide = schemaOf({
    name: 'bulk',
    columns: [
      column('id', 'int', 'false'),
      column('name', 'nvarchar(60)'),
      column('at', 'datetime2(7)'),
      column('blob', 'varbinary(max)'),
      column('flag', 'bit'),
    ],
  })
  const bulkRow = (i: number): Row => [
    i,
    i % 7 === 0 ? null : `row ${i}\twith\ttabs\nand \\ backslash`,
    '2024-02-29 12:34:56.1234560',
    i % 5 === 0 ? null : new Uint8Array([i % 256, 0, 255]),
    i % 2 === 0,
  ]

  it('creates the tenant database on first use and finds it again', async () => {
    const template = uniqueTemplate('tmpg')
    const first = subject('database', template)
    await (await first.provider.forTenant(CTX)).applyTablePlan(createPlan(wide), 'h')
    await first.provider.close()
    const again = subject('database', template)
    expect((await (await again.provider.forTenant(CTX)).readState()).tables.has('bulk')).toBe(true)
    await again.provider.close()
  })

  it('writes RowData batches from the request text (the contract checks it decodes none)', async () => {
    const { provider } = subject('database')
    expect((await provider.forTenant(CTX)).writesInPlace).toBe(true)
    await provider.close()
  })

  it('takes the COPY path for a big batch and stores exactly what the row path stores', async () => {
    const { provider } = subject('database')
    const db = await provider.forTenant(CTX)
    await db.applyTablePlan(createPlan(wide), 'h')
    const rows = Array.from({ length: 5000 }, (_, i) => bulkRow(i + 1))
    await db.applyBatches([changes(wide, 10, rows)])
    const updated = rows.map((r) => [r[0]!, 'updated', r[2]!, r[3]!, r[4]!] as Row)
    await db.applyBatches([changes(wide, 11, updated.slice(0, 2500))])
    const read: Row[] = []
    for await (const row of (await provider.inspect(CTX)).readRows('bulk')) read.push(row)
    expect(read).toHaveLength(5000)
    expect(read[0]).toEqual(updated[0])
    expect(read[4999]).toEqual(rows[4999])
    expect(read[6]).toEqual(updated[6])
    expect((await db.readState()).tables.get('bulk')?.lsn).toBe(11)
    await provider.close()
  })

  it("takes a first load's batch delivered twice: the straight COPY fails on a key, and the batch is upserted on the same session", async () => {
    const { provider } = subject('database')
    const db = await provider.forTenant(CTX)
    await db.applyTablePlan(createPlan(wide), 'h')
    const rows = Array.from({ length: 300 }, (_, i) => bulkRow(i + 1))
    await db.applyBatches([changes(wide, -1, rows)])
    const again = rows.map((r) => [r[0]!, 'again', r[2]!, r[3]!, r[4]!] as Row)
    // The same keys at LSN -1 (fresh keys expected): the straight COPY meets them and is rolled back.
    await db.applyBatches([changes(wide, -1, [...again, bulkRow(301)])])
    await db.applyBatches([changes(wide, 7, [bulkRow(302)])])
    const read: Row[] = []
    for await (const row of (await provider.inspect(CTX)).readRows('bulk')) read.push(row)
    expect(read).toHaveLength(302)
    expect(read.slice(0, 300).every((r) => r[1] === 'again')).toBe(true)
    expect(read[300]).toEqual(bulkRow(301))
    expect((await db.readState()).tables.get('bulk')?.lsn).toBe(7)
    await provider.close()
  })

  it(`wipes a table of up to ${WIPE_BY_DELETE_ROWS} rows by DELETE and a larger one by TRUNCATE, to LSN -1 either way`, async () => {
    const { provider, name } = subject('database')
    const db = await provider.forTenant(CTX)
    await db.applyTablePlan(createPlan(wide), 'h')
    const client = await side('database', name)
    // TRUNCATE gives the table a new file; DELETE leaves it where it was.
    const file = async () => (await client.query(`select pg_relation_filenode('bulk') as f`)).rows[0].f as number
    const count = async () => Number((await client.query('select count(*) as n from bulk')).rows[0].n)
    try {
      await db.applyBatches([
        changes(
          wide,
          10,
          Array.from({ length: WIPE_BY_DELETE_ROWS }, (_, i) => bulkRow(i + 1)),
        ),
      ])
      const before = await file()
      await db.wipe('bulk')
      expect([await count(), await file()]).toEqual([0, before])
      expect((await db.readState()).tables.get('bulk')?.lsn).toBe(-1)

      const more = Array.from({ length: WIPE_BY_DELETE_ROWS + 1 }, (_, i) => bulkRow(i + 1))
      await db.applyBatches([changes(wide, 11, more)])
      await db.wipe('BULK')
      expect(await count()).toBe(0)
      expect(await file()).not.toBe(before)
      expect((await db.readState()).tables.get('bulk')?.lsn).toBe(-1)
    } finally {
      await client.end()
      await provider.close()
    }
  })

  it("writes a batch read in place through COPY's binary format, or as text where a type has no binary plan", async () => {
    const { provider } = subject('database')
    const db = await provider.forTenant(CTX)
    const columns = [
      column('id', 'int', 'false'),
      column('name', 'nvarchar(60)'),
      column('at', 'datetime2(7)'),
      column('big', 'bigint'),
      column('small', 'smallint'),
      column('stamp', 'datetime'),
    ]
    const wireRow = (i: number, flag: boolean): (string | null)[] => [
      `[I:${i}]`,
      i % 7 === 0 ? null : `row ${i}\twith\ttabs\nand \\ backslash, é 😀`,
      `[DT:02/28/${String(1 + ((i * 37) % 9999)).padStart(4, '0')} 12:34:56.1234567]`,
      i % 5 === 0 ? null : `[L:${(i * 2_654_435_761) % 9_007_199_254_740_991}]`,
      `[S:${(i % 65_536) - 32_768}]`,
      '[DT:12/31/9998 23:59:59.9970000]',
      ...(flag ? [`[I:${i % 2}]`] : []),
    ]
    for (const flag of [false, true]) {
      const table = schemaOf({
        name: flag ? 'flagged' : 'plain',
        columns: [...columns, ...(flag ? [column('flag', 'bit')] : [])],
      })
      await db.applyTablePlan(createPlan(table), 'h')
      const rows = spannedRows(
        Array.from({ length: 400 }, (_, i) => ({ operation: 'I', values: wireRow(i + 1, flag) })),
      )
      const wire = { table: { name: table.name, columns: [] }, lsn: '-1', rows }
      const batch = decodeBatch(wire, table, { inPlace: true, encode: db.encodeInPlace })
      const expected = decodeBatch(wire, table)
      if (!batch.ok || !expected.ok) throw new Error('batch refused')
      const encoded = batch.value.encoded as Buffer[] | undefined
      // A bit column has no binary plan: the batch stays in place, unencoded, and goes as text.
      expect(encoded?.[0]?.subarray(0, 11).toString('latin1')).toBe(flag ? undefined : 'PGCOPY\n\xff\r\n\0')
      await db.applyBatches([batch.value])
      const read: Row[] = []
      for await (const row of (await provider.inspect(CTX)).readRows(table.name)) read.push(row)
      expect(read).toEqual(expected.value.upserts.map((row) => storedInPostgres(row, table)))
    }
    await provider.close()
  })

  it('keeps tenants apart in the schema layout', async () => {
    const template = uniqueTemplate('tmpg')
    const provider = new KyselyMirrorDatabases(
      postgresMirrorSql,
      new PostgresConnector(POSTGRES_URL, 'schema', databaseNaming(template)),
      { maxOpen: 4, idleMs: 60_000 },
    )
    const other = 'Cust2' as ContextId
    created.push(
      { layout: 'schema', name: databaseNaming(template)(CTX) },
      { layout: 'schema', name: databaseNaming(template)(other) },
    )
    await (await provider.forTenant(CTX)).applyTablePlan(createPlan(wide), 'h')
    expect((await (await provider.forTenant(other)).readState()).tables.size).toBe(0)
    expect((await (await provider.forTenant(CTX)).readState()).tables.size).toBe(1)
    await provider.close()
  })

  it('serialises two providers on the same tenant table with advisory locks', async () => {
    const template = uniqueTemplate('tmpg')
    const a = subject('database', template)
    const b = subject('database', template)
    const dbA = await a.provider.forTenant(CTX)
    const dbB = await b.provider.forTenant(CTX)
    await dbA.applyTablePlan(createPlan(wide), 'h')
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        // `apply`: every call must land, whatever order the locks give them.
        (i % 2 ? dbA : dbB).applyBatches([changes(wide, i + 1, [bulkRow(1), bulkRow(i + 2)])], 'apply'),
      ),
    )
    const read: Row[] = []
    for await (const row of (await a.provider.inspect(CTX)).readRows('bulk')) read.push(row)
    expect(read).toHaveLength(21)
    await a.provider.close()
    await b.provider.close()
  })

  it('classifies and describes driver errors without values', () => {
    expect(classifyPostgresError({ code: '40P01' })).toBe('transient')
    expect(classifyPostgresError({ code: '23505' })).toBe('conflict')
    expect(classifyPostgresError({ code: '42P01' })).toBe('fatal')
    expect(classifyPostgresError({ code: 'ECONNREFUSED' })).toBe('transient')
    expect(
      describePostgresError({ code: '22P02', message: 'invalid input syntax for type uuid: "secret-value"' }),
    ).toBe('22P02: invalid input syntax for type uuid (value not shown)')
  })

  it('refuses a value PostgreSQL cannot hold (NUL in text) without writing, then drops the table it created', async () => {
    const { provider } = subject('database')
    const db = await provider.forTenant(CTX)
    await db.applyTablePlan(createPlan(wide), 'h')
    await expect(db.applyBatches([changes(wide, 3, [[1, 'nul \u0000 inside', null, null, null]])])).rejects.toThrow(
      /bulk|22021/,
    )
    expect((await db.readState()).tables.get('bulk')?.lsn).toBe(-1)
    await db.dropTables(['bulk'])
    expect((await db.readState()).tables.size).toBe(0)
    await provider.close()
  })
})

describe('postgres commits', () => {
  /** synchronous_commit as a tenant session of the connector sees it. */
  async function sessionSetting(durable: boolean | undefined): Promise<string> {
    const naming = databaseNaming(uniqueTemplate('tmpgc'))
    created.push({ layout: 'database', name: naming(CTX) })
    const connector = new PostgresConnector(POSTGRES_URL, 'database', naming, durable)
    const db = await connector.open(CTX)
    try {
      const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db)
      return rows[0]!.synchronous_commit
    } finally {
      await db.destroy()
      await connector.close()
    }
  }

  it("commit a tenant's writes without waiting for the WAL's flush, unless durable commits are asked for", async () => {
    expect(await sessionSetting(undefined)).toBe('off')
    expect(await sessionSetting(true)).toBe('on')
  })
})
