import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SourceKind } from '../support/e2e-sources.ts'
import { everyTypeValues } from '../support/e2e-sources.ts'
import { type MirrorKind, startSystem } from '../support/e2e-system.ts'

/** Mirrors the end-to-end suite runs against (MIRROR_E2E_MIRRORS narrows them while developing). */
const MIRRORS: readonly MirrorKind[] = (process.env.MIRROR_E2E_MIRRORS?.split(',') as MirrorKind[] | undefined) ?? [
  'sqlite',
  'postgres',
  'mysql',
]
const SOURCES: readonly SourceKind[] = ['sqlite', 'postgres']

const COMBINATIONS = SOURCES.flatMap((source) => MIRRORS.map((mirror) => [source, mirror] as const))

/**
 * Issue 4's acceptance: the project's Mirroring Task and the project's client service over real
 * HTTP on loopback. After every step the mirror equals the source: the same tables, and in each
 * the same row count and the same digest of every value.
 */
describe.each(COMBINATIONS)('end to end: %s source → %s mirror', (sourceKind, mirrorKind) => {
  let system: Awaited<ReturnType<typeof startSystem>>
  const sql = (text: string, params?: Parameters<typeof system.source.exec>[1]) => system.source.exec(text, params)

  async function expectMirrorEqualsSource() {
    const [source, mirror] = await Promise.all([system.sourceDigests(), system.mirrorDigests()])
    expect([...mirror.keys()].sort()).toEqual([...source.keys()].sort())
    for (const [table, digest] of source) expect(mirror.get(table), table).toEqual(digest)
    return source
  }

  async function cycle(expected: 'ok' | 'failed' = 'ok') {
    const result = await system.run()
    expect(result.outcome, result.message).toBe(expected)
    return result
  }

  beforeAll(async () => {
    system = await startSystem(sourceKind, mirrorKind, ['skipped'])
    const t = system.source.types
    await sql(`create table person (person_id ${t.int} primary key, name ${t.text(50)}, born ${t.datetime})`)
    await sql(`create table skipped (id ${t.int} primary key, v ${t.text(10)})`)
    await sql(`create table doomed (id ${t.int} primary key, v ${t.text(10)})`)
    await sql(`create table note (note_id ${t.int} primary key, body ${t.text(200)})`)
    await sql(system.source.everyTypeDdl)
    for (let i = 1; i <= 25; i++) {
      await sql('insert into person values (?, ?, ?)', [
        i,
        `Person ${i}`,
        i % 5 === 0 ? null : '2021-03-04 05:06:07.890',
      ])
    }
    await sql('insert into skipped values (1, ?)', ['hidden'])
    await sql('insert into doomed values (1, ?)', ['bye'])
    await sql('insert into note values (1, ?)', ['first'])
    const values = everyTypeValues(1, system.source.bool)
    await sql(`insert into every_type values (${values.map(() => '?').join(', ')})`, values)
    await sql(`insert into every_type (id) values (2)`)
  }, 60_000)

  afterAll(async () => {
    await system?.close()
  })

  it('loads every table in full on the first cycle; the skipped table stays out', async () => {
    const result = await cycle()
    expect(result.tables.map((t) => [t.table, t.kind])).toEqual([
      ['doomed', 'full'],
      ['every_type', 'full'],
      ['note', 'full'],
      ['person', 'full'],
    ])
    const digests = await expectMirrorEqualsSource()
    expect(digests.get('person')?.rows).toBe(25)
    expect(digests.get('every_type')?.rows).toBe(2)
    expect(digests.has('skipped')).toBe(false)
  })

  it('carries inserts, updates and deletes incrementally, NULLs included', async () => {
    await sql('update person set name = ? where person_id = ?', ['Renamed', 3])
    await sql('update person set born = null where person_id = ?', [4])
    await sql('delete from person where person_id in (6, 7)')
    await sql('insert into person values (?, ?, ?)', [100, null, '1999-12-31 23:59:59'])
    await sql('update every_type set c_nvarchar = ?, c_bit = ? where id = 2', ['now set', system.source.bool(false)])
    const result = await cycle()
    const person = result.tables.find((t) => t.table === 'person')
    expect(person).toEqual({ table: 'person', kind: 'incremental', inserts: 1, updates: 2, deletes: 2 })
    await expectMirrorEqualsSource()
  })

  it('adds a column in place, keeping rows and the incremental path', async () => {
    await sql(`alter table person add column email ${system.source.types.text(80)}`)
    await sql('update person set email = ? where person_id = 1', ['p1@example.com'])
    const result = await cycle()
    expect(result.tables.find((t) => t.table === 'person')?.kind).toBe('incremental')
    await expectMirrorEqualsSource()
  })

  it('recreates and reloads a table whose column type changed', async () => {
    if (sourceKind === 'sqlite') {
      // SQLite changes a column type by rebuilding the table.
      await sql('create table note_new (note_id int primary key, body int)')
      await sql('insert into note_new select note_id, 7 from note')
      await sql('drop table note')
      await sql('alter table note_new rename to note')
    } else {
      await sql('alter table note alter column body type integer using 7')
    }
    const result = await cycle()
    expect(result.tables.find((t) => t.table === 'note')).toMatchObject({ kind: 'full', inserts: 1 })
    await expectMirrorEqualsSource()
  })

  it('drops the mirror table of a dropped source table', async () => {
    await sql('drop table doomed')
    await cycle()
    const digests = await expectMirrorEqualsSource()
    expect(digests.has('doomed')).toBe(false)
  })

  it('reloads in full after the source is restored to an older version', async () => {
    await system.source.backup()
    for (let i = 200; i < 210; i++) await sql('insert into person (person_id, name) values (?, ?)', [i, `later ${i}`])
    await cycle()
    await system.source.restore()
    await sql('insert into person (person_id, name) values (?, ?)', [300, 'after restore'])
    const result = await cycle()
    expect(result.tables.find((t) => t.table === 'person')?.kind).toBe('full')
    await expectMirrorEqualsSource()
  })

  it('resumes an interrupted incremental cycle where it stopped, without reloading', async () => {
    await system.setBatchSize(16_384)
    for (let i = 1000; i < 1300; i++) {
      await sql('insert into person (person_id, name) values (?, ?)', [i, `bulk ${'x'.repeat(40)} ${i}`])
    }
    // The 3rd RowData applied and its answer lost: sent again, the same token is refused.
    system.proxy.dropAnswer('RowData', 3)
    const failed = await cycle('failed')
    // Sent again on another connection (the one it went on was kept alive), the copy is refused.
    expect(failed.message).toMatch(/RowData.*(nonce was already used|ECONNRESET)/)
    const reached = await system.lsn('person')
    const resumed = await cycle()
    const person = resumed.tables.find((t) => t.table === 'person')!
    expect(person.kind).toBe('incremental')
    expect(person.inserts).toBeGreaterThan(0)
    expect(person.inserts).toBeLessThan(300)
    expect(reached).toBeGreaterThan(0)
    await expectMirrorEqualsSource()
  })
})
