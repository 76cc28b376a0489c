import { describe, expect, it } from 'vitest'
import { type CycleReport, SILENT_PROGRESS } from '../../../src/application/task/ports/cycle-progress.port.ts'
import type { WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { column } from '../../support/schemas.ts'
import { cycleHarness, runGated } from './cycle-harness.ts'

const PERSON: WireTableSchema = {
  name: 'person',
  columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(50)'), column('born', 'datetime')],
}
const CONFIG: WireTableSchema = { name: 'config', columns: [column('id', 'int', 'false'), column('v', 'nvarchar(10)')] }
const NOTE: WireTableSchema = { name: 'note', columns: [column('note_id', 'int', 'false'), column('text', 'ntext')] }

/** Notes of 300 characters each: a few dozen fill a 16 KB batch. */
function wideNotes(count: number): [number, string][] {
  return Array.from({ length: count }, (_, i) => [i + 1, 'x'.repeat(300)])
}

const person = (id: number, name: string | null = `P${id}`) => [id, name, '2020-05-18 10:40:43.0000000']

describe('RunMirroringCycle', () => {
  it('loads every table in full on the first cycle, then the mirror equals the source', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1), person(2), person(3, null)])
    h.source.createTable(NOTE, [[1, 'hello']])
    const result = await h.run()
    expect(result.outcome).toBe('ok')
    expect(result.tables.map((t) => [t.table, t.kind, t.inserts])).toEqual([
      ['note', 'full', 1],
      ['person', 'full', 3],
    ])
    expect(await h.mirrorRows('person')).toEqual(h.sourceRows('person'))
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
    expect(await h.lsn('person')).toBe(h.source.version)
    expect(h.client.calls.map((c) => c.operation)).toEqual([
      'Authenticate',
      'TableSchema',
      'Wipe',
      'RowData',
      'Wipe',
      'RowData',
      'ReplicationCompleted',
    ])
    expect(h.service.admin.completions).toHaveLength(1)
  })

  it('sends only net changes on the next cycle, with I, U and D counted', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1), person(2), person(3)])
    await h.run()
    h.source.update('person', person(1, 'Ann'))
    h.source.delete('person', 2)
    h.source.insert('person', person(4))
    h.source.update('person', person(4, 'Dee'))
    h.client.calls.length = 0
    const result = await h.run()
    expect(result.tables).toEqual([{ table: 'person', kind: 'incremental', inserts: 1, updates: 1, deletes: 1 }])
    expect(h.client.calls.find((c) => c.operation === 'Wipe')).toBeUndefined()
    expect(h.client.calls.find((c) => c.operation === 'RowData')?.rows).toBe(3)
    expect(await h.mirrorRows('person')).toEqual(h.sourceRows('person'))
    expect(await h.lsn('person')).toBe(h.source.version)
  })

  it('opens no snapshot for a table whose mirror is at the source version, one for each other', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    h.source.snapshots = 0
    const idle = await h.run()
    expect(idle.tables.map((t) => [t.table, t.kind])).toEqual([
      ['note', 'up-to-date'],
      ['person', 'up-to-date'],
    ])
    // The cycle's one read of the version, and one check of which tables to track.
    expect(h.source.snapshots).toBe(1)
    expect([h.source.trackChecks, h.source.trackCalls]).toEqual([2, 2])
    h.source.update('person', person(1, 'Bob'))
    h.source.snapshots = 0
    const changed = await h.run()
    expect(changed.tables.map((t) => [t.table, t.kind, t.updates])).toEqual([
      ['note', 'incremental', 0],
      ['person', 'incremental', 1],
    ])
    expect(h.source.snapshots).toBe(3)
    expect(await h.mirrorRows('person')).toEqual(h.sourceRows('person'))
  })

  it('moves unchanged tables to the current version together, in one RowData call', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    h.source.update('person', person(1, 'Bob'))
    h.client.calls.length = 0
    await h.run()
    const rowData = h.client.calls.filter((c) => c.operation === 'RowData')
    expect(rowData.map((c) => [c.tables, c.rows])).toEqual([
      [['person'], 1],
      [['note'], 0],
    ])
    expect(await h.lsn('note')).toBe(h.source.version)
    h.client.calls.length = 0
    const idle = await h.run()
    expect(idle.tables.every((t) => t.kind === 'up-to-date')).toBe(true)
    expect(h.client.calls.filter((c) => c.operation === 'RowData')).toEqual([])
  })

  it('cuts a full load into batches within BatchSize, all but the last with LSN -1', async () => {
    const h = await cycleHarness({ batchSize: 16_384 })
    h.source.createTable(NOTE, wideNotes(200))
    await h.run()
    const batches = h.client.calls.filter((c) => c.operation === 'RowData')
    expect(batches.length).toBeGreaterThan(3)
    expect(batches.slice(0, -1).every((b) => b.lsns[0] === -1)).toBe(true)
    expect(batches.at(-1)!.lsns[0]).toBe(h.source.version)
    expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(200)
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('leaves out blocked tables and the tenant SkipTable', async () => {
    const h = await cycleHarness({ skipTable: ['NOTE'] })
    h.source.createTable(PERSON, [person(1)])
    h.source.createTable(CONFIG, [[1, 'secret']])
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    expect(h.client.calls.find((c) => c.operation === 'TableSchema')?.tables).toEqual(['person'])
  })

  it('reloads in full when the source was restored to an older version than the mirror has', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1), person(2)])
    await h.run()
    h.source.version = 0 // as after a restore from an old backup
    h.source.delete('person', 2)
    const result = await h.run()
    expect(result.tables[0]).toMatchObject({ kind: 'full', inserts: 1 })
    expect(await h.mirrorRows('person')).toEqual(h.sourceRows('person'))
  })

  it('reloads in full when retention forgot changes the mirror had not seen', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    await h.run()
    h.source.insert('person', person(2))
    h.source.insert('person', person(3))
    h.source.purge(h.source.version)
    const result = await h.run()
    expect(result.tables[0]?.kind).toBe('full')
    expect(await h.mirrorRows('person')).toEqual(h.sourceRows('person'))
  })

  it('recreates and reloads a table whose column type changed, and adds a column in place', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    h.source.alterTable('person', { ...PERSON, columns: [...PERSON.columns, column('email', 'nvarchar(80)')] }, (r) => [
      ...r,
      null,
    ])
    h.source.update('person', [1, 'P1', '2020-05-18 10:40:43.0000000', 'p1@example.com'])
    h.source.alterTable(
      'note',
      { ...NOTE, columns: [column('note_id', 'int', 'false'), column('text', 'int')] },
      (r) => [r[0]!, 7],
    )
    const result = await h.run()
    expect(result.tables.map((t) => [t.table, t.kind])).toEqual([
      ['note', 'full'],
      ['person', 'incremental'],
    ])
    expect(await h.mirrorRows('person')).toEqual(h.sourceRows('person'))
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('leaves a table whose columns changed after the cycle read the schema to the next cycle', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    const before = await h.lsn('person')
    h.source.update('person', person(1, 'renamed'))
    h.source.update('note', [1, 'b'])
    // A column added, and filled, between the cycle's TableSchema and the table's snapshot.
    h.source.beforeTableSchema = (table) => {
      if (table !== 'person' || h.source.tables.get('person')!.schema.columns.length > 3) return
      h.source.alterTable(
        'person',
        { ...PERSON, columns: [...PERSON.columns, column('email', 'nvarchar(80)')] },
        (r) => [...r, null],
      )
      h.source.update('person', [...person(1, 'renamed'), 'p1@example.com'])
    }
    const result = await h.run()
    expect(result.tables.map((t) => [t.table, t.kind])).toEqual([
      ['note', 'incremental'],
      ['person', 'deferred'],
    ])
    expect(result.message).toContain('1 left to the next cycle (schema changed while it ran)')
    expect(await h.lsn('person')).toBe(before)
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))

    const next = await h.run()
    expect(next.tables.find((t) => t.table === 'person')).toMatchObject({ kind: 'incremental', updates: 1 })
    expect(await h.mirrorRows('person')).toEqual(h.sourceRows('person'))
  })

  it('drops a mirror table whose source table is gone', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    h.source.dropTable('note')
    await h.run()
    const state = await (await h.service.mirrors.forTenant('Cust1' as never)).readState()
    expect([...state.tables.keys()]).toEqual(['person'])
  })

  it('reads the next batch while a RowData call is applied, one call at a time, in order', async () => {
    const h = await cycleHarness({ batchSize: 16_384 })
    h.source.createTable(NOTE, wideNotes(400))
    let release = () => {}
    h.client.gate = new Promise<void>((resolve) => {
      release = resolve
    })
    h.client.probe = () => h.source.rowsRead
    const running = h.run()
    // The first call is held at the gate; the task goes on reading and encoding the next batch.
    for (let i = 0; i < 1000 && h.client.calls.filter((c) => c.operation === 'RowData').length < 1; i++) {
      await new Promise((r) => setImmediate(r))
    }
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
    const first = h.client.calls.find((c) => c.operation === 'RowData')!
    // One row past the first batch is what reading it takes; a whole second batch is the overlap.
    expect(h.source.rowsRead).toBeGreaterThan(first.rows * 1.5)
    expect(h.client.inFlight).toBe(1)
    release()
    h.client.gate = undefined
    expect((await running).outcome).toBe('ok')
    expect(h.client.maxInFlight).toBe(1)
    // Each call left after the previous one came back: reads only ever grow between calls.
    expect(h.client.readAtCall).toEqual([...h.client.readAtCall].sort((a, b) => a - b))
    const lsns = h.client.calls.filter((c) => c.operation === 'RowData').map((c) => c.lsns[0])
    expect(lsns.slice(0, -1).every((l) => l === -1)).toBe(true)
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('keeps up to fullLoadCalls calls of a full reload on their way, and sends its last batch alone', async () => {
    const h = await cycleHarness({ batchSize: 16_384, fullLoadCalls: 3 })
    h.source.createTable(NOTE, wideNotes(600))
    const { result, held } = await runGated(h, 3)
    expect(result.outcome).toBe('ok')
    // Three held at the gate, and never a fourth.
    expect(held).toBe(3)
    expect(h.client.maxInFlight).toBe(3)
    const rowData = h.client.calls.filter((c) => c.operation === 'RowData')
    expect(rowData.length).toBeGreaterThan(4)
    // The batch that moves the LSN off -1 leaves when every other call has come back: a -1 batch
    // applied after it would be acknowledged as superseded and its rows never written.
    expect(rowData.at(-1)!.lsns[0]).toBe(h.source.version)
    expect(h.client.inFlightAtCall.at(-1)).toBe(0)
    expect(rowData.slice(0, -1).every((c) => c.lsns[0] === -1)).toBe(true)
    expect(await h.lsn('note')).toBe(h.source.version)
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('sends incremental batches one at a time, in order, whatever fullLoadCalls says', async () => {
    const h = await cycleHarness({ batchSize: 16_384, fullLoadCalls: 3 })
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    for (let i = 2; i <= 400; i++) h.source.insert('note', [i, 'y'.repeat(300)])
    h.client.calls.length = 0
    h.client.maxInFlight = 0
    expect((await h.run()).outcome).toBe('ok')
    const lsns = h.client.calls.filter((c) => c.operation === 'RowData').map((c) => c.lsns[0]!)
    expect(lsns.length).toBeGreaterThan(3)
    expect(h.client.maxInFlight).toBe(1)
    expect(lsns).toEqual([...lsns].sort((a, b) => a - b))
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('fails a reload whose call failed only once its other calls have settled, and the next cycle reloads', async () => {
    const h = await cycleHarness({ batchSize: 16_384, fullLoadCalls: 3 })
    h.source.createTable(NOTE, wideNotes(600))
    h.client.failOn = { operation: 'RowData', call: 3 }
    const failed = await h.run()
    expect(failed.outcome).toBe('failed')
    expect(failed.message).toContain('lost in transit')
    expect(h.client.inFlight).toBe(0)
    // Calls already on their way may finish; none starts after the failure is seen, and the last
    // batch (the one with the table's version) is never sent.
    const sent = h.client.calls.filter((c) => c.operation === 'RowData')
    expect(sent.length).toBeLessThanOrEqual(5)
    expect(sent.every((c) => c.lsns[0] === -1)).toBe(true)
    expect(await h.lsn('note')).toBe(-1)
    expect((await h.run()).outcome).toBe('ok')
    expect(await h.lsn('note')).toBe(h.source.version)
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('sends no RowData call after one failed, though the next batch was already read', async () => {
    const h = await cycleHarness({ batchSize: 16_384 })
    h.source.createTable(NOTE, wideNotes(400))
    h.client.failOn = { operation: 'RowData', call: 2 }
    const failed = await h.run()
    expect(failed.outcome).toBe('failed')
    expect(failed.message).toContain('lost in transit')
    expect(h.client.calls.filter((c) => c.operation === 'RowData')).toHaveLength(2)
    expect(await h.lsn('note')).toBe(-1)
  })

  it('resumes an interrupted incremental cycle from the last complete batch, without a reload', async () => {
    const h = await cycleHarness({ batchSize: 16_384 })
    h.source.createTable(NOTE, [[1, 'a']])
    await h.run()
    for (let i = 2; i <= 300; i++) h.source.insert('note', [i, 'y'.repeat(200)])
    h.client.failOn = { operation: 'RowData', call: 3 }
    h.client.calls.length = 0
    const failed = await h.run()
    expect(failed.outcome).toBe('failed')
    expect(failed.message).toContain('lost in transit')
    const reached = await h.lsn('note')
    expect(reached).toBeGreaterThan(1)
    expect(reached).toBeLessThan(h.source.version)
    h.client.calls.length = 0
    const resumed = await h.run()
    expect(resumed.outcome).toBe('ok')
    expect(resumed.tables[0]?.kind).toBe('incremental')
    expect(h.client.calls.find((c) => c.operation === 'Wipe')).toBeUndefined()
    expect(resumed.tables[0]!.inserts).toBeLessThan(299)
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('restarts an interrupted full load from the start (its LSN stayed -1)', async () => {
    const h = await cycleHarness({ batchSize: 16_384 })
    h.source.createTable(
      NOTE,
      Array.from({ length: 300 }, (_, i) => [i + 1, 'z'.repeat(200)]),
    )
    h.client.failOn = { operation: 'RowData', call: 2 }
    expect((await h.run()).outcome).toBe('failed')
    expect(await h.lsn('note')).toBe(-1)
    const again = await h.run()
    expect(again.tables[0]).toMatchObject({ kind: 'full', inserts: 300 })
    expect(await h.mirrorRows('note')).toEqual(h.sourceRows('note'))
  })

  it('records each outcome in the event log and the pair status', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    await h.run()
    h.client.failOn = { operation: 'TableSchema', call: 2 }
    await h.run()
    const events = await h.registry.list('Cust1', 10)
    expect(events.map((e) => e.type)).toEqual(['Error', 'Information'])
    expect(events[0]!.message).toContain('TableSchema call 2 lost in transit')
    expect(events[1]!.message).toMatch(/^mirroring cycle completed: 1 tables \(1 reloaded\), 1 inserts/)
    const [status] = await h.registry.pairStatuses()
    expect(status).toMatchObject({ lastOutcome: 'failed', lastError: expect.stringContaining('lost in transit') })
  })

  it('reports how each cycle ended to its progress, after recording it: tables, reloads, rows, time', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1), person(2)])
    h.source.createTable(NOTE, [[1, 'a']])
    const reports: CycleReport[] = []
    const progress = { ...SILENT_PROGRESS, cycleFinished: (r: CycleReport) => reports.push(r) }
    await h.cycle.execute(h.pair, progress)
    h.source.update('person', person(1, 'Ann'))
    h.source.delete('person', 2)
    await h.cycle.execute(h.pair, progress)
    h.client.failOn = { operation: 'TableSchema', call: 3 }
    await h.cycle.execute(h.pair, progress)
    expect(reports.map(({ ms, ...r }) => ({ ...r, ms: typeof ms }))).toEqual([
      {
        outcome: 'ok',
        message: expect.stringMatching(/^mirroring cycle completed/),
        tables: 2,
        reloaded: 2,
        rows: 3,
        ms: 'number',
      },
      { outcome: 'ok', message: expect.any(String), tables: 2, reloaded: 0, rows: 2, ms: 'number' },
      {
        outcome: 'failed',
        message: expect.stringContaining('lost in transit'),
        tables: 0,
        reloaded: 0,
        rows: 0,
        ms: 'number',
      },
    ])
    expect((await h.registry.list('Cust1', 10)).length).toBe(3)
  })

  it('stops before reading the source when the partner asks not to replicate', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    h.service.admin.paused.add('Cust1')
    const result = await h.run()
    expect(result.outcome).toBe('skipped')
    expect(h.client.calls.map((c) => c.operation)).toEqual(['Authenticate'])
    expect(h.source.trackingEnabled).toBe(false)
  })

  it('refuses a partner whose Authenticate signature does not verify with the registered key', async () => {
    const h = await cycleHarness()
    h.source.createTable(PERSON, [person(1)])
    await h.registry.updateApplication('app', { publicKey: 'another-key' })
    const result = await h.run()
    expect(result).toMatchObject({ outcome: 'failed' })
    expect(result.message).toContain("signature does not verify with the application's public key")
    expect(h.client.calls.map((c) => c.operation)).toEqual(['Authenticate'])
  })

  it('fails by name when the application is disabled, unknown or not approved', async () => {
    const h = await cycleHarness()
    await h.registry.updateApplication('app', { mirroringEnabled: false })
    expect((await h.run()).message).toBe('application app has mirroring disabled')
    await h.registry.updateApplication('app', { mirroringEnabled: true })
    await h.registry.revoke('Cust1', 'app')
    expect((await h.run()).message).toBe('tenant Cust1 has not approved application app')
    expect((await h.cycle.execute({ contextId: 'Cust1', clientId: 'nope' })).message).toBe(
      'application nope is not registered',
    )
    expect(h.client.calls).toEqual([])
  })
})
