import { describe, expect, it } from 'vitest'
import { CycleCalls } from '../../../src/application/task/cycle-calls.ts'
import type { WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { column } from '../../support/schemas.ts'
import { cycleHarness, runGated } from './cycle-harness.ts'

/** A call that stays on its way until `finish` (or `fail`) is called. */
function held() {
  let finish = () => {}
  let fail = (_: Error) => {}
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  return { call: () => done, finish, fail }
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

describe('CycleCalls', () => {
  it('keeps at most its limit on their way in all, and each submit its own table to its limit', async () => {
    const calls = new CycleCalls(2)
    const a1 = held()
    const a2 = held()
    const b1 = held()
    await calls.submit('a', 1, a1.call)
    // A second call of `a` at one a table waits for the first; one of `b` does not.
    let second = false
    const a2Submitted = calls.submit('a', 1, a2.call).then(() => {
      second = true
    })
    await calls.submit('b', 1, b1.call)
    expect(calls.size).toBe(2)
    await turns()
    expect(second).toBe(false)
    // `b` finishing frees a place in all, not one of `a`'s.
    b1.finish()
    await turns()
    expect(second).toBe(false)
    a1.finish()
    await a2Submitted
    expect(calls.size).toBe(1)
    a2.finish()
    await calls.drain()
    expect(calls.size).toBe(0)
  })

  it('settles one table without waiting for the others', async () => {
    const calls = new CycleCalls(3)
    const a = held()
    const b = held()
    await calls.submit('a', 2, a.call)
    await calls.submit('b', 2, b.call)
    let settled = false
    const settling = calls.settle('a').then(() => {
      settled = true
    })
    await turns()
    expect(settled).toBe(false)
    a.finish()
    await settling
    expect(calls.size).toBe(1)
    b.finish()
    await calls.drain()
  })

  it('fails the next submit with the first failure, once every other call has settled, and starts nothing after it', async () => {
    const calls = new CycleCalls(2)
    const a = held()
    const b = held()
    await calls.submit('a', 1, a.call)
    await calls.submit('b', 1, b.call)
    a.fail(new Error('a lost in transit'))
    await turns()
    let started = false
    const next = calls.submit('c', 1, async () => {
      started = true
    })
    let rejected: unknown
    next.catch((error) => {
      rejected = error
    })
    await turns()
    // Still waiting for `b`, which was on its way when `a` failed.
    expect(rejected).toBeUndefined()
    b.finish()
    await expect(next).rejects.toThrow('a lost in transit')
    expect(started).toBe(false)
    expect(calls.size).toBe(0)
    await expect(calls.settle('b')).rejects.toThrow('a lost in transit')
  })

  it("sends a call after its table's barrier, or after all its table's earlier calls, holding its place meanwhile", async () => {
    const calls = new CycleCalls(4)
    const sent: string[] = []
    const wipe = held()
    const first = held()
    const second = held()
    const track = (name: string, h: ReturnType<typeof held>) => () => {
      sent.push(name)
      return h.call()
    }
    await calls.submit('a', 1, track('wipe', wipe), { barrier: true })
    await calls.submit('a', 3, track('first', first), { order: 'after-barrier' })
    await calls.submit('a', 3, track('second', second), { order: 'after-barrier' })
    await calls.submit('a', Number.POSITIVE_INFINITY, track('last', held()), { order: 'after-all' })
    await turns()
    // Every call holds its place; only the barrier has been sent.
    expect(calls.size).toBe(4)
    expect(sent).toEqual(['wipe'])
    wipe.finish()
    await turns()
    // The batches after the barrier go together; the last waits for both.
    expect(sent).toEqual(['wipe', 'first', 'second'])
    second.finish()
    await turns()
    expect(sent).toEqual(['wipe', 'first', 'second'])
    first.finish()
    await turns()
    expect(sent).toEqual(['wipe', 'first', 'second', 'last'])
  })

  it('never sends a call whose earlier call of the same table failed', async () => {
    const calls = new CycleCalls(3)
    const wipe = held()
    let sent = false
    await calls.submit('a', 1, wipe.call, { barrier: true })
    await calls.submit(
      'a',
      2,
      async () => {
        sent = true
      },
      { order: 'after-barrier' },
    )
    wipe.fail(new Error('Wipe lost'))
    await expect(calls.drain()).rejects.toThrow('Wipe lost')
    expect(sent).toBe(false)
  })

  it("tells when a table's calls have all come back, before the drain returns, and not after a failure", async () => {
    const calls = new CycleCalls(3)
    const seen: string[] = []
    calls.whenSettled('idle', () => seen.push('idle'))
    expect(seen).toEqual(['idle'])
    const a = held()
    const b = held()
    await calls.submit('a', 2, a.call)
    await calls.submit('b', 2, b.call)
    calls.whenSettled('a', () => seen.push('a'))
    calls.whenSettled('b', () => seen.push('b'))
    a.finish()
    await turns()
    expect(seen).toEqual(['idle', 'a'])
    b.fail(new Error('b lost'))
    await expect(calls.drain()).rejects.toThrow('b lost')
    expect(seen).toEqual(['idle', 'a'])
  })

  it('waits for every call without failing when the cycle ends on an error of its own', async () => {
    const calls = new CycleCalls(2)
    const a = held()
    await calls.submit('a', 1, a.call)
    let quiet = false
    const quiescing = calls.quiesce().then(() => {
      quiet = true
    })
    await turns()
    expect(quiet).toBe(false)
    a.fail(new Error('lost'))
    await quiescing
    await expect(calls.drain()).rejects.toThrow('lost')
  })
})

const table = (name: string): WireTableSchema => ({
  name,
  columns: [column(`${name}_id`, 'int', 'false'), column('text', 'ntext')],
})
const TABLES = ['alpha', 'beta', 'gamma'].map(table)

/** Rows of 300 characters: a few dozen fill a 16 KB batch. */
const wide = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => [from + i, 'x'.repeat(300)] as [number, string])

describe('RunMirroringCycle with calls of different tables on their way at once', () => {
  it("overlaps different tables' changes, each table's batches one at a time and in order", async () => {
    const h = await cycleHarness({ batchSize: 16_384, callsInFlight: 2 })
    for (const t of TABLES) h.source.createTable(t, [[1, 'a']])
    await h.run()
    for (const t of TABLES) for (const row of wide(2, 120)) h.source.insert(t.name, row)
    h.client.calls.length = 0
    h.client.tableAtCall.length = 0
    h.client.maxInFlight = 0
    const { result, held } = await runGated(h, 2)
    expect(result.outcome).toBe('ok')
    expect(held).toBe(2)
    expect(h.client.maxInFlight).toBe(2)
    const rowData = h.client.calls.filter((c) => c.operation === 'RowData')
    expect(rowData.length).toBeGreaterThan(6)
    // Some call left while another table's was on its way; none while one of its own was.
    expect(h.client.tableAtCall.some((c) => c.all > 0)).toBe(true)
    expect(h.client.tableAtCall.every((c) => c.own === 0)).toBe(true)
    for (const t of TABLES) {
      const lsns = rowData.filter((c) => c.tables[0] === t.name).map((c) => c.lsns[0]!)
      expect(lsns.length).toBeGreaterThan(1)
      expect(lsns).toEqual([...lsns].sort((a, b) => a - b))
      expect(await h.lsn(t.name)).toBe(h.source.version)
      expect(await h.mirrorRows(t.name)).toEqual(h.sourceRows(t.name))
    }
    // ReplicationCompleted leaves once every RowData call has come back.
    expect(h.client.calls.at(-1)!.operation).toBe('ReplicationCompleted')
    expect(h.client.inFlight).toBe(0)
  })

  it("reads the next table while the last call of a reload is applied; each table's version goes after its own calls", async () => {
    const h = await cycleHarness({ batchSize: 16_384, callsInFlight: 2, fullLoadCalls: 2 })
    for (const t of TABLES) h.source.createTable(t, wide(1, 100))
    const { result } = await runGated(h, 2)
    expect(result.outcome).toBe('ok')
    expect(h.client.maxInFlight).toBe(2)
    const rowData = h.client.calls.filter((c) => c.operation === 'RowData')
    const starts = h.client.tableAtCall
    expect(starts).toHaveLength(rowData.length)
    // A table's first call left while the table before it still had one on its way.
    const firsts = TABLES.slice(1).map((t) => starts.findIndex((c) => c.table === t.name))
    expect(firsts.some((i) => starts[i]!.all > 0)).toBe(true)
    for (const t of TABLES) {
      const own = rowData.map((c, i) => ({ ...c, at: starts[i]! })).filter((c) => c.tables[0] === t.name)
      // The batch that moves the LSN off -1 left when none of its table's other calls was on its way.
      expect(own.at(-1)!.lsns[0]).toBe(h.source.version)
      expect(own.at(-1)!.at.own).toBe(0)
      expect(own.slice(0, -1).every((c) => c.lsns[0] === -1)).toBe(true)
      expect(await h.lsn(t.name)).toBe(h.source.version)
      expect(await h.mirrorRows(t.name)).toEqual(h.sourceRows(t.name))
    }
  })

  it('ends a cycle whose call failed once the calls on their way have settled, and the next cycle sends the rest', async () => {
    const h = await cycleHarness({ batchSize: 16_384, callsInFlight: 2 })
    for (const t of TABLES) h.source.createTable(t, [[1, 'a']])
    await h.run()
    for (const t of TABLES) for (const row of wide(2, 120)) h.source.insert(t.name, row)
    h.client.calls.length = 0
    h.client.failOn = { operation: 'RowData', call: 4 }
    const failed = await h.run()
    expect(failed.outcome).toBe('failed')
    expect(failed.message).toContain('lost in transit')
    expect(h.client.inFlight).toBe(0)
    expect(h.client.calls.some((c) => c.operation === 'ReplicationCompleted')).toBe(false)
    expect((await h.run()).outcome).toBe('ok')
    for (const t of TABLES) {
      expect(await h.lsn(t.name)).toBe(h.source.version)
      expect(await h.mirrorRows(t.name)).toEqual(h.sourceRows(t.name))
    }
  })

  it("sends the next table's Wipe while the last call of the one before is on its way, and its rows only after its Wipe", async () => {
    const h = await cycleHarness({ batchSize: 16_384, callsInFlight: 3, fullLoadCalls: 2 })
    for (const t of TABLES) h.source.createTable(t, wide(1, 60))
    const { result } = await runGated(h, 3)
    expect(result.outcome).toBe('ok')
    const log = h.client.log
    for (const t of TABLES) {
      const wiped = log.indexOf(`wipe ${t.name}`)
      expect(wiped).toBeGreaterThanOrEqual(0)
      expect(log.indexOf(`rowData ${t.name}`)).toBeGreaterThan(wiped)
    }
    // Some table's Wipe came back after a RowData call of an earlier table had started and
    // before that earlier table's last one did: the tables overlapped.
    const lastOf = (t: string) => log.lastIndexOf(`rowData ${t}`)
    expect(TABLES.slice(1).some((t, i) => log.indexOf(`wipe ${t.name}`) < lastOf(TABLES[i]!.name))).toBe(true)
    for (const t of TABLES) expect(await h.mirrorRows(t.name)).toEqual(h.sourceRows(t.name))
  })

  it('waits for the calls on their way when reading a later table fails', async () => {
    const h = await cycleHarness({ batchSize: 16_384, callsInFlight: 2 })
    for (const t of TABLES) h.source.createTable(t, wide(1, 100))
    h.source.failAfter = { table: 'gamma', rows: 10 }
    let release = () => {}
    h.client.gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let done = false
    const running = h.run().then((r) => {
      done = true
      return r
    })
    for (let i = 0; i < 500 && h.client.inFlight === 0; i++) await new Promise((r) => setImmediate(r))
    await turns(50)
    // gamma's read has failed by now, but the cycle waits for the calls held at the gate.
    expect(h.client.inFlight).toBeGreaterThan(0)
    expect(done).toBe(false)
    release()
    h.client.gate = undefined
    const failed = await running
    expect(failed.outcome).toBe('failed')
    expect(failed.message).toContain('source read failed')
    expect(h.client.inFlight).toBe(0)
  })
})
