import { describe, expect, it } from 'vitest'
import { PinnedClock } from '../../../src/adapters/system/clocks.ts'
import type { CyclePair, CycleQueue } from '../../../src/application/task/ports/cycle-queue.port.ts'
import { ScheduleCycles } from '../../../src/application/task/schedule-cycles.ts'
import { DEFAULT_STOP_WINDOW } from '../../../src/domain/task/schedule.ts'
import { InMemoryRegistry } from '../../fakes/in-memory-registry.ts'
import { APP } from './cycle-harness.ts'

/** A queue that only remembers, refusing a pair already held, as the port requires. */
class HoldingQueue implements CycleQueue {
  readonly held: CyclePair[] = []
  async enqueue(pair: CyclePair) {
    if (this.held.some((p) => p.contextId === pair.contextId && p.clientId === pair.clientId)) return false
    this.held.push(pair)
    return true
  }
  async busy() {
    return this.held
  }
  async close() {}
}

const MINUTE = 60_000

async function setup() {
  const clock = new PinnedClock(Date.UTC(2026, 10, 25, 12, 0))
  const registry = new InMemoryRegistry()
  const queue = new HoldingQueue()
  await registry.addApplication(APP)
  await registry.addApplication({ ...APP, clientId: 'off', mirroringEnabled: false })
  for (const ctx of ['Cust1', 'Cust2']) {
    await registry.addTenant({ contextId: ctx, sourceUrl: 'memory:', skipTable: [], batchSize: 1_000_000 })
  }
  await registry.approve('Cust1', 'app', clock.now())
  await registry.approve('Cust2', 'app', clock.now())
  await registry.approve('Cust1', 'off', clock.now())
  const schedule = new ScheduleCycles(registry, queue, clock, {
    intervalMs: 20 * MINUTE,
    stopWindow: DEFAULT_STOP_WINDOW,
  })
  return { clock, registry, queue, schedule }
}

describe('ScheduleCycles', () => {
  it('queues every approved pair of an enabled application right after approval', async () => {
    const { schedule } = await setup()
    expect(await schedule.tick()).toEqual([
      { contextId: 'Cust1', clientId: 'app' },
      { contextId: 'Cust2', clientId: 'app' },
    ])
  })

  it('never queues a pair twice while it is held', async () => {
    const { schedule } = await setup()
    await schedule.tick()
    expect(await schedule.tick()).toEqual([])
  })

  it('waits an interval after the last start, and not in the stop window', async () => {
    const { schedule, registry, queue, clock } = await setup()
    await registry.recordCycleStart('Cust1', 'app', clock.now())
    await registry.recordCycleStart('Cust2', 'app', clock.now())
    clock.set(clock.now() + 19 * MINUTE)
    expect(await schedule.tick()).toEqual([])
    clock.set(clock.now() + MINUTE)
    expect((await schedule.tick()).length).toBe(2)
    queue.held.length = 0
    clock.set(Date.UTC(2026, 10, 26, 2, 0))
    expect(await schedule.tick()).toEqual([])
  })

  it('restricts a tick to one tenant and application', async () => {
    const { schedule } = await setup()
    expect(await schedule.tick({ contextId: 'Cust2' })).toEqual([{ contextId: 'Cust2', clientId: 'app' }])
  })
})
