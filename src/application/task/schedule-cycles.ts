import { isDue, type StopWindow } from '../../domain/task/schedule.ts'
import type { Clock } from '../ports/clock.port.ts'
import type { CyclePair, CycleQueue } from './ports/cycle-queue.port.ts'
import type { Registry } from './ports/registry.port.ts'

export interface ScheduleOptions {
  readonly intervalMs: number
  readonly stopWindow: StopWindow | undefined
}

/**
 * The master scheduler's tick: every approved pair of an enabled application whose cycle is
 * due goes to the queue, which never holds or runs one pair twice. Ticks can come from a timer
 * on one machine; the queue behind the port decides where cycles run.
 */
export class ScheduleCycles {
  readonly #registry: Registry
  readonly #queue: CycleQueue
  readonly #clock: Clock
  readonly #options: ScheduleOptions

  constructor(registry: Registry, queue: CycleQueue, clock: Clock, options: ScheduleOptions) {
    this.#registry = registry
    this.#queue = queue
    this.#clock = clock
    this.#options = options
  }

  /** Queues the due pairs; returns them. `only` restricts the tick to one tenant (and application). */
  async tick(only?: { contextId: string; clientId?: string }): Promise<CyclePair[]> {
    const now = this.#clock.now()
    const [approvals, apps, statuses] = await Promise.all([
      this.#registry.approvals(),
      this.#registry.applications(),
      this.#registry.pairStatuses(),
    ])
    const enabled = new Set(apps.filter((a) => a.mirroringEnabled).map((a) => a.clientId))
    const started = new Map(statuses.map((s) => [`${s.contextId}\u0000${s.clientId}`, s.lastStartedAt]))
    const queued: CyclePair[] = []
    for (const approval of approvals) {
      if (!enabled.has(approval.clientId)) continue
      if (only && (approval.contextId !== only.contextId || (only.clientId && approval.clientId !== only.clientId)))
        continue
      const lastStartedAt = started.get(`${approval.contextId}\u0000${approval.clientId}`)
      if (
        !isDue(
          { approvedAt: approval.approvedAt, lastStartedAt },
          now,
          this.#options.intervalMs,
          this.#options.stopWindow,
        )
      ) {
        continue
      }
      const pair = { contextId: approval.contextId, clientId: approval.clientId }
      if (await this.#queue.enqueue(pair)) queued.push(pair)
    }
    return queued
  }
}
