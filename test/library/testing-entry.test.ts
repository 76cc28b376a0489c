import { describe, expect, it } from 'vitest'
import { parseContextId } from '../../src/core.ts'
import {
  ACTION_PREFIX,
  authenticateCall,
  batch,
  inMemoryServiceState,
  mirroringHarness,
  PinnedClock,
  PlainClaimsVerifier,
  peopleTable,
  RecordingAdmin,
  rowDataCall,
  writeWipeRequest,
} from '../../src/testing.ts'

async function rowsOf(h: ReturnType<typeof mirroringHarness>, contextId: string) {
  const rows: unknown[] = []
  for await (const row of (await h.inspect(contextId)).readRows('person')) rows.push(row)
  return rows
}

describe('tenant-mirror/testing, as an integrator uses it', () => {
  it('sends a whole cycle through the use cases, and the mirror and the hooks show it', async () => {
    const admin = new RecordingAdmin()
    const h = mirroringHarness({ admin, clientId: 'partner-app' })
    expect((await h.send.authenticate('Cust7')).result.ok).toBe(true)
    expect((await h.send.tableSchema([peopleTable()], 'Cust7')).result).toMatchObject({
      ok: true,
      value: { lsns: [{ table: 'person', lsn: -1 }] },
    })
    const rows = batch(peopleTable(), 3, [
      ['[I:1]', 'Ann', '[F:1.5]'],
      ['[I:2]', 'Bob', null],
    ])
    expect((await h.send.rowData([rows], 'Cust7')).result.ok).toBe(true)
    expect(await rowsOf(h, 'Cust7')).toEqual([
      [1, 'Ann', '1.50'],
      [2, 'Bob', null],
    ])
    expect((await h.send.wipe('person', 'Cust7')).result.ok).toBe(true)
    expect(await rowsOf(h, 'Cust7')).toEqual([])
    const summary = [{ table: 'person', inserts: '2', updates: '0', deletes: '0' }]
    expect((await h.send.replicationCompleted(summary, 'Cust7')).result.ok).toBe(true)
    expect(admin.tables).toEqual([{ table: 'person', change: 'Created' }])
    expect(admin.wipes).toEqual(['person'])
    expect(admin.completions).toHaveLength(1)
    expect(admin.events.map((e) => [e.contextId, e.operation, e.type])).toEqual([
      ['Cust7', 'Authenticate', 'Information'],
      ['Cust7', 'TableSchema', 'Information'],
      ['Cust7', 'RowData', 'Information'],
      ['Cust7', 'Wipe', 'Information'],
      ['Cust7', 'ReplicationCompleted', 'Information'],
    ])
  })

  it('checks plain claims as strictly as signed ones: audience, replay, tenant', async () => {
    const h = mirroringHarness({ clientId: 'partner-app' })
    const foreign = h.token('Cust1', { aud: 'spn:someone-else' })
    expect((await h.authenticate.execute({ signedToken: foreign, clientState: '' })).result).toMatchObject({
      ok: false,
      error: { kind: 'TokenAudienceRejected' },
    })
    const once = h.token()
    expect((await h.authenticate.execute({ signedToken: once, clientState: '' })).result.ok).toBe(true)
    expect((await h.authenticate.execute({ signedToken: once, clientState: '' })).result).toMatchObject({
      ok: false,
      error: { kind: 'TokenNonceReplayed' },
    })
    h.clock.set(h.clock.now() + 10 * 60_000)
    expect((await h.authenticate.execute({ signedToken: h.token(), clientState: '' })).result.ok).toBe(true)
    expect(await new PlainClaimsVerifier().verify('{not json')).toMatchObject({ ok: false })
    expect(parseContextId('Cust 1').ok).toBe(false)
  })

  it('keeps service state in memory the way --state memory: does', async () => {
    const clock = new PinnedClock(Date.UTC(2026, 0, 1))
    const state = inMemoryServiceState(clock)
    const expires = clock.now() / 1000 + 300
    expect(await state.claim('N1', expires)).toBe(true)
    expect(await state.claim('N1', expires)).toBe(false)
    await state.setPaused('Cust1', true, clock.now())
    expect(await state.isPaused('Cust1')).toBe(true)
    await state.close()
  })

  it('writes the SOAP requests the Mirroring Task posts', () => {
    const call = authenticateCall('the-token')
    expect(call.action).toBe(`${ACTION_PREFIX}Authenticate`)
    expect(call.body).toContain('the-token')
    expect(rowDataCall('t', [batch(peopleTable(), 9, [['[I:1]', 'Ann', null]])]).body).toContain('<a:LSN>9</a:LSN>')
    expect(writeWipeRequest({ signedToken: 't', clientState: '', table: 'person' })).toContain('person')
  })
})
