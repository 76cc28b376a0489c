import { describe, expect, it } from 'vitest'
import { InProcessCycleQueue } from '../../../src/adapters/task/scheduling/in-process-cycle-queue.ts'
import type { CyclePair } from '../../../src/application/task/ports/cycle-queue.port.ts'
import { RecordingLogger } from '../../support/test-service.ts'

function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

describe('InProcessCycleQueue', () => {
  it('runs at most the concurrency limit at once, first come first served, never one pair twice', async () => {
    const started: string[] = []
    const gates = new Map<string, ReturnType<typeof gate>>()
    let running = 0
    let peak = 0
    const queue = new InProcessCycleQueue(
      async (pair: CyclePair) => {
        running++
        peak = Math.max(peak, running)
        started.push(pair.contextId)
        const g = gate()
        gates.set(pair.contextId, g)
        await g.opened
        running--
      },
      2,
      new RecordingLogger(),
    )
    for (const ctx of ['A', 'B', 'C', 'D']) expect(await queue.enqueue({ contextId: ctx, clientId: 'x' })).toBe(true)
    expect(await queue.enqueue({ contextId: 'A', clientId: 'x' })).toBe(false)
    expect(await queue.enqueue({ contextId: 'C', clientId: 'x' })).toBe(false)
    await new Promise((r) => setTimeout(r, 10))
    expect(started).toEqual(['A', 'B'])
    gates.get('B')!.open()
    await new Promise((r) => setTimeout(r, 10))
    expect(started).toEqual(['A', 'B', 'C'])
    for (const ctx of ['A', 'C']) gates.get(ctx)!.open()
    await new Promise((r) => setTimeout(r, 10))
    gates.get('D')!.open()
    await queue.idle()
    expect(started).toEqual(['A', 'B', 'C', 'D'])
    expect(peak).toBe(2)
    expect(await queue.enqueue({ contextId: 'A', clientId: 'x' })).toBe(true)
    await new Promise((r) => setTimeout(r, 10))
    gates.get('A')!.open()
    await queue.close()
    expect(started).toEqual(['A', 'B', 'C', 'D', 'A'])
  })

  it('contains a failing run and goes on; close waits for runs in flight and refuses new ones', async () => {
    const log = new RecordingLogger()
    const done: string[] = []
    const queue = new InProcessCycleQueue(
      async (pair) => {
        if (pair.contextId === 'bad') throw new Error('source exploded')
        await new Promise((r) => setTimeout(r, 20))
        done.push(pair.contextId)
      },
      1,
      log,
    )
    await queue.enqueue({ contextId: 'bad', clientId: 'x' })
    await queue.enqueue({ contextId: 'good', clientId: 'x' })
    await new Promise((r) => setTimeout(r, 5))
    await queue.close()
    expect(done).toEqual(['good'])
    expect(log.text()).toContain('source exploded')
    expect(await queue.enqueue({ contextId: 'late', clientId: 'x' })).toBe(false)
  })
  it('says which pairs are running and waiting, and drops the waiting ones on close', async () => {
    const first = gate()
    const ran: string[] = []
    const queue = new InProcessCycleQueue(
      async (pair) => {
        ran.push(pair.contextId)
        if (pair.contextId === 'A') await first.opened
      },
      1,
      new RecordingLogger(),
    )
    await queue.enqueue({ contextId: 'A', clientId: 'x' })
    await queue.enqueue({ contextId: 'B', clientId: 'x' })
    await queue.enqueue({ contextId: 'A', clientId: 'y' })
    expect(await queue.busy()).toEqual([
      { contextId: 'A', clientId: 'x' },
      { contextId: 'B', clientId: 'x' },
      { contextId: 'A', clientId: 'y' },
    ])
    let closed = false
    const closing = queue.close().then(() => {
      closed = true
    })
    await new Promise((r) => setTimeout(r, 10))
    expect(closed).toBe(false)
    first.open()
    await closing
    expect(ran).toEqual(['A'])
    expect(await queue.busy()).toEqual([])
  })

  it('contains a run that throws before returning a promise, or throws a non-error', async () => {
    const log = new RecordingLogger()
    const queue = new InProcessCycleQueue(
      (pair) => {
        if (pair.contextId === 'sync') throw new Error('thrown at once')
        return Promise.reject('a bare string')
      },
      2,
      log,
    )
    await queue.enqueue({ contextId: 'sync', clientId: 'x' })
    await queue.enqueue({ contextId: 'bare', clientId: 'x' })
    await queue.idle()
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(2)
    expect(log.text()).toContain('thrown at once')
    expect(log.text()).toContain('a bare string')
    expect(await queue.enqueue({ contextId: 'sync', clientId: 'x' })).toBe(true)
    await queue.close()
  })

  it('refuses a concurrency it could never honour', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new InProcessCycleQueue(async () => undefined, bad, new RecordingLogger())).toThrow(RangeError)
    }
  })
})
