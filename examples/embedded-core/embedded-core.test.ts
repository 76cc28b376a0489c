import { parseContextId, type Row } from 'tenant-mirror/core'
import { batch, peopleTable } from 'tenant-mirror/testing'
import { describe, expect, it } from 'vitest'
import { embedCore } from './embedded-core.ts'
import { PausingAdmin } from './pausing-admin.ts'

describe('the core embedded with in-memory adapters and hooks of our own', () => {
  it('runs a whole cycle into the in-memory mirror, and the hooks see it', async () => {
    const admin = new PausingAdmin()
    const core = embedCore(admin)

    const authenticated = await core.authenticate.execute(core.request('Cust1'))
    expect(authenticated.result).toMatchObject({ ok: true, value: { additionalInformationJson: '' } })

    const schema = await core.tableSchema.execute({ ...core.request('Cust1'), tables: [peopleTable()] })
    expect(schema.result).toMatchObject({ ok: true, value: { lsns: [{ table: 'person', lsn: -1 }] } })

    const rows = batch(peopleTable(), 7, [
      ['[I:1]', 'Ann', '[F:1.5]'],
      ['[I:2]', 'Bob', null],
    ])
    const written = await core.rowData.execute({ ...core.request('Cust1'), batches: [rows] })
    expect(written.result.ok).toBe(true)

    const changedTables = [{ table: 'person', inserts: '2', updates: '0', deletes: '0' }]
    const completed = await core.replicationCompleted.execute({ ...core.request('Cust1'), changedTables })
    expect(completed.result.ok).toBe(true)

    // The rows are in the tenant's mirror, with the batch's LSN.
    const contextId = parseContextId('Cust1')
    if (!contextId.ok) throw new Error('not a context id')
    // What the use cases wrote is read back through the mirror's inspection, beside its port.
    const mirror = await core.mirrors.inspect(contextId.value)
    const stored: Row[] = []
    for await (const row of mirror.readRows('person')) stored.push(row)
    expect(stored).toEqual([
      [1, 'Ann', '1.50'],
      [2, 'Bob', null],
    ])
    expect(await mirror.countRows('person')).toBe(2)
    expect((await (await core.mirrors.forTenant(contextId.value)).readState()).tables.get('person')?.lsn).toBe(7)

    // And the hooks saw the cycle.
    expect(admin.tables).toEqual([{ contextId: 'Cust1', table: 'person', change: 'Created' }])
    expect(admin.completed).toEqual([
      { contextId: 'Cust1', summary: [{ table: 'person', inserts: 2, updates: 0, deletes: 0 }] },
    ])
  })

  it('asks SuperOffice not to replicate a paused tenant, and only that one', async () => {
    const admin = new PausingAdmin()
    const core = embedCore(admin)
    admin.pause('Cust2')

    const paused = await core.authenticate.execute(core.request('Cust2'))
    expect(paused.result).toMatchObject({ ok: true, value: { additionalInformationJson: '{"doNotReplicate":"true"}' } })
    const other = await core.authenticate.execute(core.request('Cust1'))
    expect(other.result).toMatchObject({ ok: true, value: { additionalInformationJson: '' } })

    admin.resume('Cust2')
    const resumed = await core.authenticate.execute(core.request('Cust2'))
    expect(resumed.result).toMatchObject({ ok: true, value: { additionalInformationJson: '' } })
  })
})
