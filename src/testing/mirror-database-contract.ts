import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type MirrorDatabase, MirrorStoreError } from '../application/ports/mirror-database.port.ts'
import type { MirrorInspection } from '../application/ports/mirror-inspection.port.ts'
import type { Row } from '../domain/changes/cell-value.ts'
import { type ChangeBatch, decodeBatch } from '../domain/changes/change-batch.ts'
import { encodeWireValue } from '../domain/changes/wire-value.ts'
import type { WireRowBatch, WireTableSchema } from '../domain/protocol/messages.ts'
import type { TableSchema } from '../domain/schema/table-schema.ts'
import { changes, column, createPlan, EVERY_TYPE, everyTypeRow, plan, schemaOf, spannedRows } from './table-fixtures.ts'

export interface ContractSubject {
  /** The mirror under test: only what the use cases call (a wrapper need forward no more). */
  readonly db: MirrorDatabase
  /**
   * The same tenant's inspection, which the suite reads rows, counts and sets LSNs through:
   * the adapter's own (`provider.inspect(contextId)`), or the same object as `db` when it is both.
   */
  readonly inspect: MirrorInspection
  /** Creates a table in the same database that the mirror did not create (a partner's own). */
  createForeignTable(name: string): Promise<void>
  /** Whether a table exists physically, by any means the engine offers. */
  tableExists(name: string): Promise<boolean>
  /**
   * What the engine gives back for a row it stored, where its type mapping accepts a loss
   * documented in the README (e.g. PostgreSQL keeps 6 of datetime2's 7 fractional digits).
   */
  readonly stored?: (row: Row, table: TableSchema) => Row
  cleanup(): Promise<void>
}

const person = schemaOf({
  name: 'person',
  columns: [
    column('person_id', 'int', 'false'),
    column('name', 'nvarchar(50)', 'false', "default (N'')"),
    column('amount', 'decimal(10,2)'),
  ],
})

async function rowsOf(inspect: MirrorInspection, table: string): Promise<Row[]> {
  const out: Row[] = []
  for await (const row of inspect.readRows(table)) out.push(row)
  return out
}

async function lsnOf(db: MirrorDatabase, table: string): Promise<number | undefined> {
  return (await db.readState()).tables.get(table.toLowerCase())?.lsn
}

/** A row of EVERY_TYPE with its key and its nvarchar(max) text set: which batch wrote it shows. */
function everyTypeRowWith(id: number, text: string): Row {
  const row = [...everyTypeRow(id)]
  row[21] = text
  return row
}

/** The types whose values decodeBatch can leave in place (wire-value-fast.ts), and text that needs escaping. */
const IN_PLACE: WireTableSchema = {
  name: 'in_place',
  columns: [
    column('id', 'int', 'false'),
    column('big', 'bigint'),
    column('small', 'smallint'),
    column('tiny', 'tinyint'),
    column('stamp', 'datetime'),
    column('minute', 'smalldatetime'),
    column('exact', 'datetime2(7)'),
    column('milli', 'datetime2(3)'),
    column('name', 'nvarchar(40)'),
    column('note', 'nvarchar(max)'),
    column('legacy', 'ntext'),
  ],
}

function inPlaceRow(id: number, note: string): Row {
  const nul = id % 7 === 0
  return [
    id,
    nul ? null : BigInt(id) * 1_000_000_007n,
    -id,
    id % 256,
    `2020-05-${String((id % 28) + 1).padStart(2, '0')} 10:40:43.0030000`,
    nul ? null : '2078-06-06 23:59:00.0000000',
    '0001-01-01 00:00:00.1234567',
    '2020-05-18 10:40:43.1230000',
    id % 5 === 0 ? '' : `tab\there \\ back\nline\r é 😀 ${id}`,
    note,
    nul ? null : `legacy ☃ ${id}`,
  ]
}

/** The batch as a RowData call's reader gives it: each value's text located in one shared text. */
function wireBatch(table: TableSchema, lsn: number, operation: string, rows: readonly Row[]): WireRowBatch {
  const types = table.columns.map((c) => c.type)
  const values = (row: Row) => row.map((value, c) => encodeWireValue(value, types[c]!))
  return {
    table: IN_PLACE,
    lsn: String(lsn),
    rows: spannedRows(rows.map((row) => ({ operation, values: values(row) }))),
  }
}

/**
 * The behaviour every MirrorDatabase must show (Debezium's abstract-contract pattern): run
 * once per implementation, against a real engine where there is one. What it writes goes
 * through the subject's `db`, what it reads back and resets through its `inspect`. It is a vitest suite
 * (`describe`/`it`), so it is exported on its own: `tenant-mirror/testing/mirror-database-contract`.
 */
export function describeMirrorDatabaseContract(name: string, make: () => Promise<ContractSubject>) {
  describe(`${name}: MirrorDatabase contract`, () => {
    let subject: ContractSubject
    let db: MirrorDatabase
    let inspect: MirrorInspection
    const rows = (table: string) => rowsOf(inspect, table)
    beforeEach(async () => {
      subject = await make()
      db = subject.db
      inspect = subject.inspect
    })
    afterEach(async () => {
      await subject.cleanup()
    })

    it('starts empty', async () => {
      const state = await db.readState()
      expect(state.tables.size).toBe(0)
    })

    it('tells the longest identifier its engine keeps, and inspects the same tenant', () => {
      expect(Number.isInteger(db.identifierLimit.length)).toBe(true)
      expect(db.identifierLimit.length).toBeGreaterThan(0)
      expect(['characters', 'bytes']).toContain(db.identifierLimit.unit)
      expect(inspect.contextId).toBe(db.contextId)
    })

    it('creates a table with LSN -1 and records its schema and hash', async () => {
      const applied = await db.applyTablePlan(createPlan(person), 'hash-1')
      expect(applied).toMatchObject({ change: 'Created', lsn: -1 })
      const state = await db.readState()
      expect(state.physicalTables.has('person')).toBe(true)
      expect(state.tables.get('person')).toMatchObject({
        table: 'person',
        lsn: -1,
        schemaHash: 'hash-1',
        createdByMirror: true,
        schema: person,
      })
    })

    it("reads the state of the tables asked for: theirs whatever the case, with or without the others'", async () => {
      await db.applyTablePlan(createPlan(person), 'hash-1')
      const asked = await db.readState(['PERSON', 'absent'])
      expect(asked.tables.get('person')).toMatchObject({ table: 'person', lsn: -1, schemaHash: 'hash-1' })
      expect(asked.physicalTables.has('person')).toBe(true)
      expect(asked.tables.has('absent')).toBe(false)
      expect(asked.physicalTables.has('absent')).toBe(false)
      expect((await db.readState([])).tables.has('absent')).toBe(false)
      await db.dropTables(['person'])
      const gone = await db.readState(['person'])
      expect(gone.tables.has('person') || gone.physicalTables.has('person')).toBe(false)
    })

    it('stores every type and reads it back unchanged', async () => {
      const table = schemaOf(EVERY_TYPE)
      await db.applyTablePlan(createPlan(table), 'h')
      const full = everyTypeRow(1)
      const nulls: Row = [2, ...full.slice(1).map(() => null)]
      await db.applyBatches([changes(table, 7, [full, nulls])])
      const stored = subject.stored ?? ((row: Row) => row)
      expect(await rows('every_type')).toEqual([stored(full, table), stored(nulls, table)])
      expect(await lsnOf(db, 'every_type')).toBe(7)
    })

    it('applies upserts and deletes by key, with the batch LSN', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([
        changes(person, 10, [
          [1, 'Ann', '1.50'],
          [2, 'Bob', null],
          [3, 'Cy', '3.00'],
        ]),
      ])
      await db.applyBatches([changes(person, 11, [[2, 'Bobby', '2.25']], [[3], [99]])])
      expect(await rows('person')).toEqual([
        [1, 'Ann', '1.50'],
        [2, 'Bobby', '2.25'],
      ])
      expect(await lsnOf(db, 'person')).toBe(11)
      expect(await inspect.countRows('person')).toBe(2)
      await expect(inspect.countRows('nope')).rejects.toBeInstanceOf(MirrorStoreError)
    })

    it('applies batches big enough for every bulk path, each value in its place', async () => {
      const table = schemaOf(EVERY_TYPE)
      await db.applyTablePlan(createPlan(table), 'h')
      const width = table.columns.length
      // A different NULL in each row and the id in a string, so a value shifted across a
      // statement or chunk boundary shows.
      const big = Array.from({ length: 2_100 }, (_, i) => {
        const row = [...everyTypeRow(i + 1)]
        row[21] = `row ${i + 1}`
        row[1 + (i % (width - 1))] = null
        return row
      })
      await db.applyBatches([changes(table, 3, big)])
      const updated = big
        .filter((_, i) => i % 3 === 0)
        .map((row) => [row[0]!, ...row.slice(1, 21), 'updated', ...row.slice(22)])
      const deleted = big.filter((_, i) => i % 3 === 1).map((row) => [row[0]!])
      await db.applyBatches([changes(table, 4, updated, deleted)])
      const stored = subject.stored ?? ((row: Row) => row)
      const expected = big
        .map((row, i) => (i % 3 === 0 ? updated[i / 3]! : row))
        .filter((_, i) => i % 3 !== 1)
        .map((row) => stored(row, table))
      expect(await rows('every_type')).toEqual(expected)
      expect(await inspect.countRows('every_type')).toBe(1_400)
      expect(await lsnOf(db, 'every_type')).toBe(4)
    })

    it('loads big batches into a table being loaded, and still upserts when their keys are already there', async () => {
      const table = schemaOf(EVERY_TYPE)
      await db.applyTablePlan(createPlan(table), 'h')
      const stored = subject.stored ?? ((row: Row) => row)
      const first = Array.from({ length: 1_500 }, (_, i) => everyTypeRowWith(i + 1, `first ${i + 1}`))
      await db.applyBatches([changes(table, -1, first)])
      // The same keys again with other values (a batch delivered twice), then half old, half new.
      const again = first.map((row) => everyTypeRowWith(row[0] as number, `again ${row[0]}`))
      await db.applyBatches([changes(table, -1, again)])
      const mixed = Array.from({ length: 1_500 }, (_, i) => everyTypeRowWith(i + 751, `mixed ${i + 751}`))
      await db.applyBatches([changes(table, -1, mixed)])
      const expected = [...again.slice(0, 750), ...mixed].map((row) => stored(row, table))
      expect(await rows('every_type')).toEqual(expected)
      expect(await inspect.countRows('every_type')).toBe(2_250)
      expect(await lsnOf(db, 'every_type')).toBe(-1)
    })

    it('upserts a big batch of inserts whose keys are partly there already, in a table not being loaded', async () => {
      const table = schemaOf(EVERY_TYPE)
      await db.applyTablePlan(createPlan(table), 'h')
      const stored = subject.stored ?? ((row: Row) => row)
      const first = Array.from({ length: 1_500 }, (_, i) => everyTypeRowWith(i + 1, `first ${i + 1}`))
      await db.applyBatches([changes(table, 5, first)])
      // Every row came as an insert (a bulk path may try the keys as new), half of them are not.
      const mixed = Array.from({ length: 1_500 }, (_, i) => everyTypeRowWith(i + 751, `mixed ${i + 751}`))
      await db.applyBatches([changes(table, 6, mixed)])
      const expected = [...first.slice(0, 750), ...mixed].map((row) => stored(row, table))
      expect(await rows('every_type')).toEqual(expected)
      expect(await inspect.countRows('every_type')).toBe(2_250)
      expect(await lsnOf(db, 'every_type')).toBe(6)
    })

    for (const folded of [false, true])
      it(`writes batches left in place, decoding them only where the mirror does not write in place${folded ? ', with their text written while decoded' : ''}`, async () => {
        const table = schemaOf(IN_PLACE)
        await db.applyTablePlan(createPlan(table), 'h')
        const stored = subject.stored ?? ((row: Row) => row)
        let decoded = 0
        /** The batch decodeBatch left in place, counting the times its rows are decoded. */
        const leftInPlace = (wire: WireRowBatch): ChangeBatch => {
          const encode = folded ? db.encodeInPlace : undefined
          const result = decodeBatch(wire, table, { inPlace: true, ...(encode ? { encode } : {}) })
          if (!result.ok || !result.value.inPlace) throw new Error('the batch was not left in place')
          const batch = result.value
          // A mirror that writes in place and says how writes every bulk batch's text as it is decoded.
          if (encode) expect(Array.isArray(batch.encoded)).toBe(true)
          return {
            table,
            lsn: batch.lsn,
            deletes: batch.deletes,
            received: batch.received,
            inPlace: batch.inPlace,
            encoded: batch.encoded,
            get upserts() {
              decoded++
              return batch.upserts
            },
          }
        }
        const loaded = Array.from({ length: 300 }, (_, i) => inPlaceRow(i + 1, `loaded ${i + 1}`))
        const first = leftInPlace(wireBatch(table, -1, 'I', loaded))
        await db.applyBatches([first])
        // The batch lives on as the call's result; the text written for it does not.
        if (first.encoded !== undefined) expect(first.encoded).toEqual([])
        // The same batch again (a call delivered twice): its keys are there, the load must still upsert.
        await db.applyBatches([leftInPlace(wireBatch(table, 5, 'I', loaded))])
        // Updates of rows that are there, in a table no longer being loaded: a bulk path's upsert.
        const updated = loaded.slice(0, 150).map((row) => inPlaceRow(row[0] as number, `updated ${row[0]}`))
        await db.applyBatches([leftInPlace(wireBatch(table, 8, 'U', updated))])
        if (db.writesInPlace) expect(decoded).toBe(0)
        expect(await rows('in_place')).toEqual([...updated, ...loaded.slice(150)].map((row) => stored(row, table)))
        expect(await lsnOf(db, 'in_place')).toBe(8)
      })

    it('applies two batches of one table in one call in order, the second against the LSN the first wrote', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      const outcomes = await db.applyBatches([
        changes(person, 10, [[1, 'Ann', null]]),
        changes(person, 8, [[1, 'older', null]]),
        changes(person, 12, [[2, 'Bob', null]]),
      ])
      expect(outcomes.map((o) => o.applied)).toEqual([true, false, true])
      expect(outcomes[1]).toMatchObject({ storedLsn: 10 })
      expect(await rows('person')).toEqual([
        [1, 'Ann', null],
        [2, 'Bob', null],
      ])
      expect(await lsnOf(db, 'person')).toBe(12)
    })

    it('gives the same mirror when the same batches arrive twice', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      const first = changes(person, 10, [
        [1, 'Ann', '1.50'],
        [2, 'Bob', null],
      ])
      const second = changes(person, 12, [[1, 'Ann B', '1.75']], [[2]])
      for (const batch of [first, second, first, second]) await db.applyBatches([batch])
      await db.applyBatches([second])
      expect(await rows('person')).toEqual([[1, 'Ann B', '1.75']])
      expect(await lsnOf(db, 'person')).toBe(12)
    })

    it('acknowledges a batch older than the stored LSN without writing it', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      const old = changes(person, 10, [[1, 'Ann', '1.00']])
      const newer = changes(person, 12, [[1, 'Ann B', '2.00']], [[2]])
      expect(await db.applyBatches([old])).toEqual([{ applied: true, storedLsn: -1 }])
      expect(await db.applyBatches([newer])).toEqual([{ applied: true, storedLsn: 10 }])
      expect(await db.applyBatches([old])).toEqual([{ applied: false, storedLsn: 12 }])
      expect(await rows('person')).toEqual([[1, 'Ann B', '2.00']])
      expect(await lsnOf(db, 'person')).toBe(12)
      // In one call too, measured against the LSN the call's earlier batch stored.
      const next = changes(person, 14, [[3, 'Cy', null]])
      const outcomes = await db.applyBatches([next, changes(person, 13, [[4, 'Dee', null]]), changes(person, 14, [])])
      expect(outcomes.map((o) => o.applied)).toEqual([true, false, true])
      expect((await rows('person')).map((r) => r[0])).toEqual([1, 3])
      expect(await lsnOf(db, 'person')).toBe(14)
    })

    it('always applies -1 batches and anything after a wipe; the apply policy writes old batches', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([changes(person, 20, [[1, 'Ann', null]])])
      expect(await db.applyBatches([changes(person, -1, [[2, 'Bob', null]])])).toEqual([
        { applied: true, storedLsn: 20 },
      ])
      expect(await lsnOf(db, 'person')).toBe(-1)
      await db.applyBatches([changes(person, 20, [])])
      await db.wipe('person')
      expect(await db.applyBatches([changes(person, 5, [[3, 'Cy', null]])])).toEqual([{ applied: true, storedLsn: -1 }])
      expect(await db.applyBatches([changes(person, 4, [[4, 'Dee', null]])], 'apply')).toEqual([
        { applied: true, storedLsn: 5 },
      ])
      expect(await rows('person')).toEqual([
        [3, 'Cy', null],
        [4, 'Dee', null],
      ])
      expect(await lsnOf(db, 'person')).toBe(4)
    })

    it('writes nothing of a call when one of its batches fails, LSNs included', async () => {
      const other = schemaOf({ name: 'other', columns: [column('id', 'int', 'false'), column('must', 'int', 'false')] })
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyTablePlan(createPlan(other), 'h')
      await db.applyBatches([changes(person, 5, [[1, 'Ann', null]])])
      // TableInfo without the NOT NULL column: the engine must refuse the insert.
      const partial = schemaOf({ name: 'other', columns: [column('id', 'int', 'false')] })
      const call = db.applyBatches([changes(person, 6, [[2, 'Bob', null]]), changes(partial, 6, [[1]])])
      await expect(call).rejects.toBeInstanceOf(MirrorStoreError)
      expect(await rows('person')).toEqual([[1, 'Ann', null]])
      expect(await lsnOf(db, 'person')).toBe(5)
      expect(await lsnOf(db, 'other')).toBe(-1)
      expect(await rows('other')).toEqual([])
    })

    it('updates only the columns a TableInfo names', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([changes(person, 1, [[1, 'Ann', '9.99']])])
      const narrow = schemaOf({
        name: 'person',
        columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(50)', 'false')],
      })
      await db.applyBatches([
        changes(narrow, 2, [
          [1, 'Anna'],
          [2, 'New'],
        ]),
      ])
      expect(await rows('person')).toEqual([
        [1, 'Anna', '9.99'],
        [2, 'New', null],
      ])
    })

    it('wipes a table: rows gone, definition kept, LSN -1', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([changes(person, 10, [[1, 'Ann', null]])])
      await db.wipe('person')
      expect(await rows('person')).toEqual([])
      expect(await lsnOf(db, 'person')).toBe(-1)
      await db.applyBatches([changes(person, 12, [[5, 'Eve', null]])])
      expect(await rows('person')).toEqual([[5, 'Eve', null]])
    })

    it('wipes a table the call names in another case than its TableSchema did', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([changes(person, 10, [[1, 'Ann', null]])])
      await db.wipe('PERSON')
      expect(await rows('person')).toEqual([])
      expect(await lsnOf(db, 'person')).toBe(-1)
    })

    it('refuses to wipe or write a table it does not have', async () => {
      await expect(db.wipe('nothing')).rejects.toBeInstanceOf(MirrorStoreError)
      await expect(db.applyBatches([changes(person, 1, [[1, 'x', null]])])).rejects.toBeInstanceOf(MirrorStoreError)
    })

    it('sets a table LSN (forced resync)', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      await db.applyBatches([changes(person, 10, [[1, 'Ann', null]])])
      await inspect.setLsn('person', -1)
      expect(await lsnOf(db, 'person')).toBe(-1)
      expect(await rows('person')).toEqual([[1, 'Ann', null]])
    })

    it('keeps rows and LSN for an unchanged plan and refreshes the hash', async () => {
      await db.applyTablePlan(createPlan(person), 'h1')
      await db.applyBatches([changes(person, 10, [[1, 'Ann', null]])])
      expect(await db.applyTablePlan(plan(person, person), 'h2')).toMatchObject({ change: 'None', lsn: 10 })
      expect((await db.readState()).tables.get('person')?.schemaHash).toBe('h2')
      expect(await rows('person')).toEqual([[1, 'Ann', null]])
    })

    it('adds a column in place: rows and LSN kept, the default filled in', async () => {
      await db.applyTablePlan(createPlan(person), 'h1')
      await db.applyBatches([changes(person, 10, [[1, 'Ann', '1.00']])])
      const wider = schemaOf({
        name: 'person',
        columns: [
          ...EVERY_PERSON_COLUMNS,
          column('rank', 'int', 'false', 'default ((3))'),
          column('note', 'nvarchar(max)'),
        ],
      })
      const applied = await db.applyTablePlan(plan(wider, person), 'h2')
      expect(applied).toMatchObject({ change: 'Altered', lsn: 10 })
      expect(await rows('person')).toEqual([[1, 'Ann', '1.00', 3, null]])
      expect((await db.readState()).tables.get('person')?.schema).toEqual(wider)
    })

    it('widens columns in place: rows and LSN kept', async () => {
      await db.applyTablePlan(createPlan(person), 'h1')
      await db.applyBatches([changes(person, 10, [[1, 'Ann', '1.25']])])
      const widened = schemaOf({
        name: 'person',
        columns: [
          column('person_id', 'bigint', 'false'),
          column('name', 'nvarchar(max)', 'true'),
          column('amount', 'decimal(12,3)'),
        ],
      })
      expect(await db.applyTablePlan(plan(widened, person), 'h2')).toMatchObject({ change: 'Altered', lsn: 10 })
      expect(await rows('person')).toEqual([[1n, 'Ann', '1.250']])
      await db.applyBatches([changes(widened, 11, [[2n, null, '12345678.123']])])
      expect(await rows('person')).toEqual([
        [1n, 'Ann', '1.250'],
        [2n, null, '12345678.123'],
      ])
    })

    it('recreates a narrowed table empty with LSN -1', async () => {
      await db.applyTablePlan(createPlan(person), 'h1')
      await db.applyBatches([changes(person, 10, [[1, 'Ann', null]])])
      const narrowed = schemaOf({
        name: 'person',
        columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(5)', 'false')],
      })
      const recreate = plan(narrowed, person)
      expect(recreate.kind).toBe('recreate')
      expect(await db.applyTablePlan(recreate, 'h2')).toMatchObject({ change: 'Recreated', lsn: -1 })
      expect(await rows('person')).toEqual([])
      expect(await lsnOf(db, 'person')).toBe(-1)
      expect((await db.readState()).tables.get('person')?.schema).toEqual(narrowed)
    })

    it('drops only the tables it created', async () => {
      await db.applyTablePlan(createPlan(person), 'h')
      await subject.createForeignTable('partner_notes')
      await db.dropTables(['person', 'partner_notes'])
      const state = await db.readState()
      expect(state.tables.has('person')).toBe(false)
      expect(await subject.tableExists('person')).toBe(false)
      expect(await subject.tableExists('partner_notes')).toBe(true)
      expect(state.physicalTables.has('partner_notes')).toBe(true)
    })

    it('replaces a same-named table that has no metadata row when told to recreate', async () => {
      await subject.createForeignTable('person')
      expect((await db.readState()).tables.has('person')).toBe(false)
      const applied = await db.applyTablePlan(
        { kind: 'recreate', from: undefined, table: person, reason: 'no metadata' },
        'h',
      )
      expect(applied).toMatchObject({ change: 'Recreated', lsn: -1 })
      await db.applyBatches([changes(person, 3, [[1, 'Ann', null]])])
      expect(await rows('person')).toEqual([[1, 'Ann', null]])
    })
  })
}

const EVERY_PERSON_COLUMNS = [
  column('person_id', 'int', 'false'),
  column('name', 'nvarchar(50)', 'false', "default (N'')"),
  column('amount', 'decimal(10,2)'),
]
