import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ActivityRecorder } from '../../../src/adapters/admin/activity-recorder.ts'
import { ServiceMetrics } from '../../../src/adapters/admin/service-metrics.ts'
import type { CallEvent } from '../../../src/adapters/http/call-summary.ts'
import type { Logger } from '../../../src/application/ports/logger.port.ts'
import type { ActivityLog, CallRecord } from '../../../src/application/ports/service-state.port.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/** A store that keeps each batch it is given, and can be held up to see what gathers meanwhile. */
class Batches implements ActivityLog {
  readonly batches: (readonly CallRecord[])[] = []
  hold: Promise<void> | undefined
  async recordCalls(calls: readonly CallRecord[]): Promise<void> {
    await this.hold
    this.batches.push(calls)
  }
  async recordSchemaChange(): Promise<void> {}
  async knowTenant(): Promise<void> {}
}

const call = (ms: number): CallEvent => ({
  operation: 'Authenticate',
  contextId: 'Cust1' as ContextId,
  tables: 0,
  rows: 0,
  outcome: 'ok',
  ms,
})

describe('ActivityRecorder', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('writes the calls of a tenth of a second in one batch, in order, and flush does not wait for the rest', async () => {
    const store = new Batches()
    const recorder = new ActivityRecorder(store, new ServiceMetrics(), quiet, () => 1_000)
    for (let i = 1; i <= 5; i++) {
      recorder.record(call(i))
      await vi.advanceTimersByTimeAsync(15)
    }
    expect(store.batches).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(40)
    expect(store.batches.map((b) => b.map((c) => c.ms))).toEqual([[1, 2, 3, 4, 5]])
    recorder.record(call(6))
    await recorder.flush()
    expect(store.batches.map((b) => b.length)).toEqual([5, 1])
  })

  it('gives a write under way the calls that came meanwhile as its next batch, at once', async () => {
    const store = new Batches()
    let release = () => {}
    store.hold = new Promise((resolve) => {
      release = resolve
    })
    const recorder = new ActivityRecorder(store, new ServiceMetrics(), quiet, () => 1_000)
    recorder.record(call(1))
    await vi.advanceTimersByTimeAsync(100)
    for (let i = 2; i <= 4; i++) recorder.record(call(i))
    store.hold = undefined
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.batches.map((b) => b.map((c) => c.ms))).toEqual([[1], [2, 3, 4]])
  })
})
