import pg from 'pg'
import { afterAll, expect, it } from 'vitest'
import { parseDatabaseLocation } from '../../../src/adapters/sql/database-location.ts'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { batch, peopleTable, rowDataCall, tableSchemaCall } from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { POSTGRES_URL, uniqueTemplate } from '../../support/servers.ts'
import { testService } from '../../support/test-service.ts'

const template = uniqueTemplate('tmtwo')
const CTX = 'Cust12345'
const SCHEMAS_CTX = 'Cust12346'

afterAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  for (const ctx of [CTX, SCHEMAS_CTX]) {
    await admin.query(`drop database if exists "${databaseNaming(template)(ctx as ContextId)}" with (force)`)
  }
  await admin.end()
})

/**
 * Two service instances (each its own container, pools and in-process locks) share one
 * PostgreSQL mirror. RowData calls for one tenant and table go to both at once; only the
 * database's advisory locks order them. Every call is answered successfully and lands whole or,
 * when a call with a higher LSN got there first, not at all (superseded, wire-profile §5 as
 * decided here): each call's own row is present exactly when its batch was written, and the
 * row all calls overwrite holds the value of the highest LSN.
 */
it('keeps one PostgreSQL mirror correct under interleaved RowData from two service instances', async () => {
  const config = { database: parseDatabaseLocation(POSTGRES_URL)!, databaseNameTemplate: template }
  const [a, b] = await Promise.all([testService({ config }), testService({ config })])
  try {
    const table = peopleTable()
    expect((await post(a.app, await tableSchemaCall([table], { contextId: CTX }))).successful).toBe(true)
    const calls = Array.from({ length: 40 }, (_, i) => i + 1)
    const replies = await Promise.all(
      calls.map(async (n) =>
        post(
          n % 2 ? a.app : b.app,
          await rowDataCall(
            [
              batch(table, n, [
                ['[I:1]', String(n), null],
                [`[I:${1000 + n}]`, `only ${n}`, `[F:${n}.5]`],
              ]),
            ],
            { contextId: CTX },
          ),
        ),
      ),
    )
    expect(replies.filter((r) => !r.successful).map((r) => r.error)).toEqual([])

    const skipped = new Set(
      [...a.log.lines, ...b.log.lines].flatMap((l) =>
        ((l.fields.superseded ?? []) as { lsn: number }[]).map((s) => s.lsn),
      ),
    )
    const db = await a.mirrors.forTenant(CTX as ContextId)
    const rows: Row[] = []
    for await (const row of (await a.inspector!.inspect(CTX as ContextId)).readRows('person')) rows.push(row)
    const written = calls.filter((n) => !skipped.has(n))
    expect(written).toContain(40)
    expect(rows.slice(1).map((r) => r[0])).toEqual(written.map((n) => 1000 + n))
    expect(
      rows.slice(1).every((r) => r[1] === `only ${Number(r[0]) - 1000}` && r[2] === `${Number(r[0]) - 1000}.50`),
    ).toBe(true)
    expect((await db.readState()).tables.get('person')?.lsn).toBe(40)
    expect(rows[0]).toEqual([1, '40', null])
  } finally {
    await a.mirrors.close()
    await b.mirrors.close()
  }
})

/**
 * RowData reuses what its instance last knew of a table instead of reading the catalog. Here the
 * other instance changes the table between two calls: once in a way the reused schema refuses
 * (a wider column: the call is decoded again against a fresh read), once in a way it does not
 * (a new column the call does not send: the write sees the stored schema's hash changed, writes
 * nothing, and the call is written again). Every call succeeds and every row lands.
 */
it('keeps RowData right on one instance while another gives its table a new schema', async () => {
  const config = { database: parseDatabaseLocation(POSTGRES_URL)!, databaseNameTemplate: template }
  const [a, b] = await Promise.all([testService({ config }), testService({ config })])
  const token = { contextId: SCHEMAS_CTX }
  try {
    const v1 = peopleTable()
    const name80 = { name: 'name', type: 'nvarchar(80)', isNullable: 'false', defaultValue: "default (N'')" }
    const v2 = { ...v1, columns: v1.columns.map((c) => (c.name === 'name' ? name80 : c)) }
    const v3 = {
      ...v2,
      columns: [...v2.columns, { name: 'note', type: 'nvarchar(20)', isNullable: 'true', defaultValue: '' }],
    }
    const rowData = async (table: typeof v1, lsn: number) =>
      (await post(a.app, await rowDataCall([batch(table, lsn, [[`[I:${lsn}]`, 'x'.repeat(60), null]])], token))).error
    const tableSchema = async (table: typeof v1) =>
      (await post(b.app, await tableSchemaCall([table], token))).successful

    expect(await tableSchema(v1)).toBe(true)
    expect((await post(a.app, await rowDataCall([batch(v1, 1, [['[I:1]', 'one', null]])], token))).successful).toBe(
      true,
    )
    expect(await tableSchema(v2)).toBe(true)
    expect(await rowData(v2, 2)).toBe('')
    expect(await tableSchema(v3)).toBe(true)
    expect(await rowData(v2, 3)).toBe('')

    const rows: Row[] = []
    for await (const row of (await a.inspector!.inspect(SCHEMAS_CTX as ContextId)).readRows('person')) rows.push(row)
    expect(rows.map((r) => r[0])).toEqual([1, 2, 3])
    expect(rows.at(-1)).toEqual([3, 'x'.repeat(60), null, null])
    const db = await b.mirrors.forTenant(SCHEMAS_CTX as ContextId)
    expect((await db.readState()).tables.get('person')?.lsn).toBe(3)
  } finally {
    await a.mirrors.close()
    await b.mirrors.close()
  }
})
