import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ChangeSource, SourceChange, SourceSnapshot } from '../../src/application/task/ports/change-source.port.ts'
import type { Row } from '../../src/domain/changes/cell-value.ts'
import type { WireTableSchema } from '../../src/domain/protocol/messages.ts'
import type { TableSchema } from '../../src/domain/schema/table-schema.ts'
import { column, schemaOf } from '../support/schemas.ts'

/** A trigger-based source: the port plus its retention step. */
export type TrackedSource = ChangeSource & { cleanup(now: number): unknown }

/** A table of every value type, created with the engine's types that map to the wire types. */
export interface EveryTypeFixture {
  /** `create table every_type (…)` in the engine's dialect. */
  readonly ddl: string
  /** What readSchema must report for it. */
  readonly wire: WireTableSchema
  /** Parameters of `insert into every_type values (?, …)`, one array per row. */
  readonly rows: readonly (readonly unknown[])[]
  /** The canonical rows read back, in key order (a documented loss shows here). */
  readonly expected: readonly Row[]
}

export interface SourceSubject {
  readonly source: TrackedSource
  /** Runs one statement as the tenant's application does, on its own connection; `?` placeholders. */
  run(sql: string, params?: readonly unknown[]): Promise<void>
  /** Column types in the engine's spelling: an int, an nvarchar(50) and a decimal(10,2). */
  readonly types: { readonly int: string; readonly name: string; readonly amount: string }
  readonly everyType: EveryTypeFixture
  close(): Promise<void>
}

const DAY = 24 * 60 * 60 * 1000

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

const PERSON_WIRE: WireTableSchema = {
  name: 'person',
  columns: [
    column('id', 'int', 'false'),
    column('name', 'nvarchar(50)', 'false', "default (N'x')"),
    column('amount', 'decimal(10,2)', 'true', 'default ((0))'),
  ],
}
const person = schemaOf(PERSON_WIRE)

/**
 * What every change-tracking source must do, the way SQL Server change tracking does it
 * (protocol.md §6.1): run once per engine, over a real connection.
 */
export function describeChangeSourceContract(name: string, make: () => Promise<SourceSubject>) {
  describe(`${name}: ChangeSource contract`, () => {
    let subject: SourceSubject
    let source: TrackedSource

    beforeEach(async () => {
      subject = await make()
      source = subject.source
      const { int, name: text, amount } = subject.types
      await subject.run(
        `create table person (id ${int} not null primary key, name ${text} not null default 'x', amount ${amount} default 0)`,
      )
    })
    afterEach(async () => {
      await subject.close()
    })

    const read = <T>(work: (s: SourceSnapshot) => Promise<T>) => source.snapshot(work)
    const current = () => read((s) => s.currentVersion())
    const changes = (table: TableSchema, since: number) => read((s) => collect(s.readChanges(table, since)))
    const insert = (id: number, name: string, amount: string | null = null) =>
      subject.run('insert into person (id, name, amount) values (?, ?, ?)', [id, name, amount])

    async function tracked(): Promise<number> {
      await source.enableTracking()
      expect(await source.trackTable('person')).toEqual({ justEnabled: true })
      return current()
    }

    it('names the tables without a primary key, which it does not read, bookkeeping hidden', async () => {
      const { int } = subject.types
      await subject.run(`create table nokey (x ${int})`)
      await subject.run(`create table audit_log (at ${int})`)
      expect(await source.keylessTables()).toEqual(['audit_log', 'nokey'])
      await source.enableTracking()
      await source.trackTable('person')
      await subject.run(`create table a_later (x ${int})`)
      expect(await source.keylessTables()).toEqual(['a_later', 'audit_log', 'nokey'])
      expect((await source.readSchema()).map((t) => t.name)).toEqual(['person'])
    })

    it('reads tables with a primary key, key columns first, in SQL Server types; bookkeeping hidden', async () => {
      const { int, name: text } = subject.types
      await subject.run(`create table link (note ${text}, b ${int} not null, a ${int} not null, primary key (a, b))`)
      await subject.run(`create table nokey (x ${int})`)
      await source.enableTracking()
      await source.trackTable('person')
      const tables = await source.readSchema()
      expect(tables.map((t) => t.name).sort()).toEqual(['link', 'person'])
      expect(tables.find((t) => t.name === 'person')).toEqual(PERSON_WIRE)
      expect(tables.find((t) => t.name === 'link')).toEqual({
        name: 'link',
        columns: [column('a', 'int', 'false'), column('b', 'int', 'false'), column('note', 'nvarchar(50)')],
      })
    })

    it('shows a table inside a snapshot as readSchema shows it, a column added since included', async () => {
      await tracked()
      const listed = async () => (await source.readSchema()).find((t) => t.name === 'person')
      expect(await read((s) => s.tableSchema('person'))).toEqual(await listed())
      expect(await read((s) => s.tableSchema('not_there'))).toBeUndefined()
      await subject.run(`alter table person add extra ${subject.types.name}`)
      const altered = await read((s) => s.tableSchema('person'))
      expect(altered?.columns.map((c) => c.name)).toEqual(['id', 'name', 'amount', 'extra'])
      expect(altered).toEqual(await listed())
    })

    it('tracks a table once: justEnabled the first time only, with the minimum valid version at enabling', async () => {
      await source.enableTracking()
      await insert(1, 'before tracking')
      expect(await source.trackTable('person')).toEqual({ justEnabled: true })
      const enabledAt = await current()
      expect(await source.trackTable('person')).toEqual({ justEnabled: false })
      await source.enableTracking()
      expect(await source.trackTable('person')).toEqual({ justEnabled: false })
      expect(await read((s) => s.minValidVersion('person'))).toBe(enabledAt)
      // Rows written before tracking are not changes: they travel in the full load.
      expect(await changes(person, enabledAt)).toEqual([])
    })

    it('names at once the tables trackTable would track anew, in the order asked', async () => {
      if (!source.tablesToTrack) return
      const { int } = subject.types
      const check = (tables: string[]) => source.tablesToTrack!(tables)
      await subject.run(`create table zeta (id ${int} not null primary key)`)
      await source.enableTracking()
      expect(await check(['zeta', 'person', 'missing'])).toEqual(['zeta', 'person', 'missing'])
      await source.trackTable('person')
      expect(await check(['zeta', 'person'])).toEqual(['zeta'])
      await source.trackTable('zeta')
      expect(await check(['zeta', 'person'])).toEqual([])
      expect(await source.trackTable('zeta')).toEqual({ justEnabled: false })
      // Dropped and created again, with another key: its triggers went with it.
      await subject.run('drop table zeta')
      await subject.run(`create table zeta (id ${int} not null, k ${int} not null, primary key (id, k))`)
      expect(await check(['person', 'zeta'])).toEqual(['zeta'])
      expect(await source.trackTable('zeta')).toEqual({ justEnabled: true })
      expect(await check(['person', 'zeta'])).toEqual([])
      await source.untrackTable('person')
      expect(await check(['person', 'zeta'])).toEqual(['person'])
    })

    it('raises the version with every committed change', async () => {
      const v0 = await tracked()
      await insert(1, 'a')
      const v1 = await current()
      await subject.run('update person set name = ? where id = ?', ['b', 1])
      const v2 = await current()
      await subject.run('delete from person where id = ?', [1])
      const v3 = await current()
      expect(v1).toBeGreaterThan(v0)
      expect(v2).toBeGreaterThan(v1)
      expect(v3).toBeGreaterThan(v2)
    })

    it('reports one net change per key with I, U and D as CHANGETABLE does', async () => {
      const v0 = await tracked()
      await insert(1, 'one', '1.00')
      await insert(2, 'two', '2.00')
      await insert(3, 'three')
      const v1 = await current()
      await subject.run('update person set name = ?, amount = ? where id = ?', ['two!', '2.5', 2])
      await insert(4, 'four')
      await subject.run('update person set name = ? where id = ?', ['four!', 4])
      await subject.run('delete from person where id = ?', [3])
      await insert(5, 'five')
      await subject.run('delete from person where id = ?', [5])
      const v2 = await current()

      const sinceStart = await changes(person, v0)
      expect(byKey(sinceStart)).toEqual({
        1: ['I', [1, 'one', '1.00']],
        2: ['I', [2, 'two!', '2.50']],
        3: ['D', [3, null, null]],
        4: ['I', [4, 'four!', null]],
        5: ['D', [5, null, null]],
      })
      expectVersionOrder(sinceStart, v0, v2)

      const sinceMiddle = await changes(person, v1)
      expect(byKey(sinceMiddle)).toEqual({
        2: ['U', [2, 'two!', '2.50']],
        3: ['D', [3, null, null]],
        4: ['I', [4, 'four!', null]],
        5: ['D', [5, null, null]],
      })
      expectVersionOrder(sinceMiddle, v1, v2)
      expect(await changes(person, v2)).toEqual([])
      expect(await read((s) => s.countChanges('person', v0))).toBe(5)
      expect(await read((s) => s.countChanges('person', v1))).toBe(4)
      expect(await read((s) => s.countChanges('person', v2))).toBe(0)
    })

    it('reports a change of key as a delete of the old key and an insert of the new one', async () => {
      await tracked()
      await insert(1, 'moving')
      const v = await current()
      await subject.run('update person set id = ? where id = ?', [10, 1])
      expect(byKey(await changes(person, v))).toEqual({
        1: ['D', [1, null, null]],
        10: ['I', [10, 'moving', null]],
      })
    })

    it('gives every key column of a composite key in a delete', async () => {
      const { int, name: text } = subject.types
      await subject.run(`create table link (note ${text}, b ${int} not null, a ${int} not null, primary key (a, b))`)
      await source.enableTracking()
      await source.trackTable('link')
      const v = await current()
      await subject.run('insert into link (note, b, a) values (?, ?, ?)', ['kept', 2, 1])
      await subject.run('insert into link (note, b, a) values (?, ?, ?)', ['gone', 3, 1])
      await subject.run('delete from link where a = ? and b = ?', [1, 3])
      const wire = (await source.readSchema()).find((t) => t.name === 'link')!
      const result = await changes(schemaOf(wire), v)
      expect(result.map((c) => [c.operation, c.row])).toEqual([
        ['I', [1, 2, 'kept']],
        ['D', [1, 3, null]],
      ])
    })

    it('streams rows in key order and counts them', async () => {
      await tracked()
      for (const id of [5, 3, 9, 1]) await insert(id, `n${id}`)
      const rows = await read((s) => collect(s.readRows(person)))
      expect(rows.map((r) => r[0])).toEqual([1, 3, 5, 9])
      expect(rows[0]).toEqual([1, 'n1', null])
      expect(await read((s) => s.countRows('person'))).toBe(4)
    })

    it('serves one stream at a time in a snapshot, and is usable again once it ends', async () => {
      await tracked()
      for (const id of [1, 2, 3]) await insert(id, `n${id}`)
      const counted = await read(async (s) => {
        for await (const _ of s.readRows(person)) {
          await expect(s.countRows('person')).rejects.toThrow(/one stream at a time/)
          break
        }
        return s.countRows('person')
      })
      expect(counted).toBe(3)
    })

    it('forgets changes older than the retention and raises the minimum valid version', async () => {
      const v0 = await tracked()
      await insert(1, 'a')
      await insert(2, 'b')
      const last = await current()
      await source.cleanup(Date.now())
      expect(await read((s) => s.minValidVersion('person'))).toBe(v0)
      expect(await read((s) => s.countChanges('person', v0))).toBe(2)

      await source.cleanup(Date.now() + 3 * DAY)
      expect(await read((s) => s.minValidVersion('person'))).toBe(last)
      expect(await read((s) => s.countChanges('person', v0))).toBe(0)
      // A mirror at the new minimum still gets every later change.
      await insert(3, 'c')
      expect(byKey(await changes(person, last))).toEqual({ 3: ['I', [3, 'c', null]] })
    })

    it('forgets a table that is no longer tracked', async () => {
      const v0 = await tracked()
      await insert(1, 'a')
      await source.untrackTable('person')
      await insert(2, 'b')
      await expect(read((s) => s.minValidVersion('person'))).rejects.toThrow(/not tracked/)
      expect(await source.trackTable('person')).toEqual({ justEnabled: true })
      expect(await changes(person, v0)).toEqual([])
      expect(await read((s) => s.countRows('person'))).toBe(2)
    })

    it('reads one consistent snapshot: a write committed meanwhile is neither seen nor under its version', async () => {
      await tracked()
      await insert(1, 'a')
      const { seen, later } = await read(async (s) => {
        const version = await s.currentVersion()
        await insert(2, 'written during the snapshot')
        return {
          seen: {
            version,
            rows: (await collect(s.readRows(person))).map((r) => r[0]),
            count: await s.countRows('person'),
            changes: (await collect(s.readChanges(person, 0))).map((c) => c.row[0]),
          },
          later: await current(),
        }
      })
      expect(seen.rows).toEqual([1])
      expect(seen.count).toBe(1)
      expect(seen.changes).toEqual([1])
      const after = await changes(person, seen.version)
      expect(after.map((c) => [c.operation, c.row[0]])).toEqual([['I', 2]])
      expect(after[0]!.version).toBeGreaterThan(seen.version)
      expect(later).toBeGreaterThan(seen.version)
    })

    it('reads every value type back canonically, NULLs included', async () => {
      const fixture = subject.everyType
      await subject.run(fixture.ddl)
      await source.enableTracking()
      await source.trackTable('every_type')
      const v = await current()
      const placeholders = fixture.wire.columns.map(() => '?').join(', ')
      for (const row of fixture.rows) await subject.run(`insert into every_type values (${placeholders})`, row)
      const wire = (await source.readSchema()).find((t) => t.name === 'every_type')
      expect(wire).toEqual(fixture.wire)
      const table = schemaOf(wire!)
      expect(await read((s) => collect(s.readRows(table)))).toEqual(fixture.expected)
      const inserted = await changes(table, v)
      expect(inserted.map((c) => c.operation)).toEqual(fixture.expected.map(() => 'I'))
      expect(inserted.map((c) => c.row)).toEqual(fixture.expected)
    })
  })
}

function byKey(changes: readonly SourceChange[]): Record<string, [string, Row]> {
  return Object.fromEntries(changes.map((c) => [String(c.row[0]), [c.operation, c.row]]))
}

function expectVersionOrder(changes: readonly SourceChange[], since: number, upTo: number): void {
  const versions = changes.map((c) => c.version)
  expect(versions).toEqual([...versions].sort((a, b) => a - b))
  for (const version of versions) {
    expect(version).toBeGreaterThan(since)
    expect(version).toBeLessThanOrEqual(upTo)
  }
}
