import { type ContextId, parseContextId } from 'tenant-mirror/core'
import {
  batch,
  changes,
  column,
  createPlan,
  InMemoryMirrorDatabase,
  InMemoryMirrorDatabases,
  mirroringHarness,
  peopleTable,
  schemaOf,
} from 'tenant-mirror/testing'
import { describeMirrorDatabaseContract } from 'tenant-mirror/testing/mirror-database-contract'
import { describe, expect, it } from 'vitest'
import { CountingMirrorDatabase, CountingMirrorDatabases } from './counting-mirror-database.ts'

function contextId(value: string): ContextId {
  const parsed = parseContextId(value)
  if (!parsed.ok) throw new Error(`not a context id: ${value}`)
  return parsed.value
}

// The behaviour every MirrorDatabase must show, run against the wrapper; the suite reads rows
// back through `inspect`, the wrapped in-memory mirror's own inspection.
describeMirrorDatabaseContract('counting wrapper over in-memory', async () => {
  const inner = new InMemoryMirrorDatabase(contextId('Cust1'))
  return {
    db: new CountingMirrorDatabase(inner),
    inspect: inner,
    async createForeignTable(name) {
      inner.foreignTables.add(name)
    },
    async tableExists(name) {
      return (await inner.readState()).physicalTables.has(name.toLowerCase())
    },
    async cleanup() {},
  }
})

const person = schemaOf({
  name: 'person',
  columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(50)')],
})

describe('CountingMirrorDatabase', () => {
  it('counts the rows of each applied batch per table, and none of a superseded one', async () => {
    const db = new CountingMirrorDatabase(new InMemoryMirrorDatabase(contextId('Cust1')))
    await db.applyTablePlan(createPlan(person), 'hash')
    await db.applyBatches([
      changes(person, 5, [
        [1, 'Ann'],
        [2, 'Bob'],
      ]),
    ])
    await db.applyBatches([changes(person, 6, [[3, 'Cy']], [[1]])])
    // LSN 4 is older than the stored 6: acknowledged, not written, not counted.
    const [stale] = await db.applyBatches([changes(person, 4, [[9, 'Old']])])
    expect(stale).toEqual({ applied: false, storedLsn: 6 })
    expect(db.counted('person')).toEqual({ upserted: 3, deleted: 1 })
    expect(db.counted('PERSON')).toEqual({ upserted: 3, deleted: 1 })
    expect(db.counted('other')).toEqual({ upserted: 0, deleted: 0 })
  })

  it('counts what a cycle sent through the use cases wrote, as the service would use it', async () => {
    const mirrors = new CountingMirrorDatabases(new InMemoryMirrorDatabases())
    const h = mirroringHarness({ mirrors })
    await h.send.tableSchema([peopleTable()], 'Cust7')
    const sent = batch(peopleTable(), 3, [
      ['[I:1]', 'Ann', null],
      ['[I:2]', 'Bob', '[F:2.5]'],
    ])
    expect((await h.send.rowData([sent], 'Cust7')).result.ok).toBe(true)
    expect((await mirrors.forTenant(contextId('Cust7'))).counted('person')).toEqual({ upserted: 2, deleted: 0 })
  })
})
