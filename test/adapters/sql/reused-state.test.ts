import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import { openSqlite, SqliteConnector } from '../../../src/adapters/sql/dialects/sqlite/sqlite-connector.ts'
import { sqliteMirrorSql } from '../../../src/adapters/sql/dialects/sqlite/sqlite-mirror-sql.ts'
import { KyselyMirrorDatabases } from '../../../src/adapters/sql/kysely-mirror-databases.ts'
import { StaleStateError } from '../../../src/application/ports/mirror-database.port.ts'
import type { ChangeBatch } from '../../../src/domain/changes/change-batch.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { changes, column, createPlan, plan, schemaOf } from '../../support/schemas.ts'

/*
 * A RowData call reads its tables' state with `reuse`: what this object last read or wrote,
 * not the catalog. Two providers on one folder stand for two service instances sharing a mirror.
 */
const CTX = 'Cust1' as ContextId
const personWire = {
  name: 'person',
  columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(20)')],
}
const person = schemaOf(personWire)
const wider = schemaOf({
  name: 'person',
  columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(80)')],
})

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function instances() {
  const dir = mkdtempSync(join(tmpdir(), 'tm-reuse-'))
  const connector = new SqliteConnector(dir, databaseNaming('Mirror_{contextId}'))
  const provider = () => new KyselyMirrorDatabases(sqliteMirrorSql, connector, { maxOpen: 4, idleMs: 60_000 })
  const [a, b] = [provider(), provider()]
  const side = openSqlite(connector.fileFor(CTX))
  cleanups.push(async () => {
    await side.destroy()
    await a.close()
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { a, b, side }
}

it('answers a reused read from what it last read or wrote, and keeps no table it did not find', async () => {
  const { a, side } = instances()
  const db = await a.forTenant(CTX)
  await db.applyTablePlan(createPlan(person), 'h1')
  expect((await db.readState(['person'], { reuse: true })).tables.get('person')?.schemaHash).toBe('h1')

  await db.applyBatches([changes(person, 5, [[1, 'Ann']])])
  expect((await db.readState(['PERSON'], { reuse: true })).tables.get('person')?.lsn).toBe(5)

  // Behind its back: a reused read does not see it, a plain one does, and then the table is not kept.
  await sql`delete from ${sql.id('Cust1_mirroring')}`.execute(side)
  expect((await db.readState(['person'], { reuse: true })).tables.has('person')).toBe(true)
  expect((await db.readState(['person'])).tables.has('person')).toBe(false)
  const after = await db.readState(['person'], { reuse: true })
  expect(after.tables.has('person')).toBe(false)
  expect(after.physicalTables.has('person')).toBe(true)
})

it('keeps what it knew of a table it wiped, at LSN -1, so that the reload reads no catalog', async () => {
  const { a, side } = instances()
  const db = await a.forTenant(CTX)
  await db.applyTablePlan(createPlan(person), 'h1')
  await db.applyBatches([changes(person, 5, [[1, 'Ann']])])
  await db.readState(['person'])
  await db.wipe('person')
  // Behind its back after the wipe: the reused read answers from what the wipe left.
  await sql`delete from ${sql.id('Cust1_mirroring')}`.execute(side)
  const reused = (await db.readState(['person'], { reuse: true })).tables.get('person')
  expect(reused).toMatchObject({ lsn: -1, schemaHash: 'h1' })
  expect((await db.readState(['person'])).tables.has('person')).toBe(false)
})

it('refuses, writing nothing, a batch whose table another instance gave a new schema, and reads it afresh', async () => {
  const { a, b } = instances()
  const first = await a.forTenant(CTX)
  await first.applyTablePlan(createPlan(person), 'h1')
  await first.applyBatches([changes(person, 5, [[1, 'Ann']])])
  expect((await first.readState(['person'], { reuse: true })).tables.get('person')?.schemaHash).toBe('h1')

  const other = await b.forTenant(CTX)
  await other.applyTablePlan(plan(wider, person), 'h2')

  const stale = first.applyBatches([changes(person, 6, [[2, 'Bob']])])
  await expect(stale).rejects.toBeInstanceOf(StaleStateError)
  await expect(stale).rejects.toMatchObject({ classification: 'transient', table: 'person' })
  const inspect = await b.inspect(CTX)
  expect(await inspect.countRows('person')).toBe(1)
  expect((await other.readState(['person'])).tables.get('person')?.lsn).toBe(5)

  const fresh = await first.readState(['person'], { reuse: true })
  expect(fresh.tables.get('person')?.schemaHash).toBe('h2')
  await first.applyBatches([changes(wider, 6, [[2, 'Bob']])])
  expect(await inspect.countRows('person')).toBe(2)
})

it('finds a stale table of a call before it writes or reads the rows of any of its batches', async () => {
  const { a, b } = instances()
  const first = await a.forTenant(CTX)
  const place = schemaOf({ name: 'place', columns: [column('place_id', 'int', 'false')] })
  await first.applyTablePlan(createPlan(place), 'p1')
  await first.applyTablePlan(createPlan(person), 'h1')
  await first.readState(['place', 'person'], { reuse: true })
  await (await b.forTenant(CTX)).applyTablePlan(plan(wider, person), 'h2')

  // The first batch's rows would be read by its write: they must not be, the call is read again afresh.
  let read = 0
  const counted: ChangeBatch = {
    ...changes(place, 6, []),
    get upserts() {
      read++
      return [[1]]
    },
  }
  await expect(first.applyBatches([counted, changes(person, 6, [[2, 'Bob']])])).rejects.toBeInstanceOf(StaleStateError)
  expect(read).toBe(0)
  expect(await (await b.inspect(CTX)).countRows('place')).toBe(0)
})

it('forgets a table whose write failed, so the next call reads the catalog', async () => {
  const { a, side } = instances()
  const db = await a.forTenant(CTX)
  await db.applyTablePlan(createPlan(person), 'h1')
  expect((await db.readState(['person'], { reuse: true })).physicalTables.has('person')).toBe(true)
  await sql`drop table person`.execute(side)
  await expect(db.applyBatches([changes(person, 6, [[2, 'Bob']])])).rejects.toThrow(/person/)
  expect((await db.readState(['person'], { reuse: true })).physicalTables.has('person')).toBe(false)
})

it("finds a table's row as spelt, and in any other case the calls name it, keeping one row", async () => {
  const { a, side } = instances()
  const db = await a.forTenant(CTX)
  await db.applyTablePlan(createPlan(person), 'h1')
  await db.applyBatches([changes(person, 5, [[1, 'Ann']])])
  await db.applyBatches([changes(schemaOf({ ...personWire, name: 'PERSON' }), 6, [[2, 'Bo']])])
  expect((await db.readState(['Person'])).tables.get('person')?.lsn).toBe(6)
  await db.wipe('Person')
  expect((await db.readState(['person'])).tables.get('person')?.lsn).toBe(-1)
  await db.applyBatches([changes(schemaOf({ ...personWire, name: 'Person' }), 9, [[3, 'Cy']])])
  const rows = await sql<{
    tablename: string
    lsn: number | bigint
  }>`select tablename, lsn from ${sql.id('Cust1_mirroring')}`.execute(side)
  expect(rows.rows.map((r) => [r.tablename, Number(r.lsn)])).toEqual([['person', 9]])
})

it('keeps what a TableSchema wrote, so that the Wipe and RowData calls after it read no catalog', async () => {
  const { a, side } = instances()
  const db = await a.forTenant(CTX)
  await db.applyTablePlan(createPlan(person), 'h1')
  // Behind its back: the reused read answers from what the plan wrote, a plain one does not.
  await sql`delete from ${sql.id('Cust1_mirroring')}`.execute(side)
  expect((await db.readState(['person'], { reuse: true })).tables.get('person')).toMatchObject({
    table: 'person',
    lsn: -1,
    schemaHash: 'h1',
    createdByMirror: true,
  })
  expect((await db.readState(['person'])).tables.has('person')).toBe(false)
})

it('keeps nothing of a plan whose transaction failed', async () => {
  const { a, side } = instances()
  const db = await a.forTenant(CTX)
  await db.applyTablePlan(createPlan(person), 'h1')
  await db.readState(['person'])
  // The metadata table gone behind its back: the next plan's write fails and rolls back.
  await sql`drop table ${sql.id('Cust1_mirroring')}`.execute(side)
  await expect(db.applyTablePlan(createPlan(wider), 'h2')).rejects.toThrow()
  // Nothing kept, old or new: the reused read goes to the catalog, which is gone.
  await expect(db.readState(['person'], { reuse: true })).rejects.toThrow()
})
