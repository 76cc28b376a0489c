import type { Logger } from '../../../application/ports/logger.port.ts'
import type { CyclePair, CycleQueue } from '../../../application/task/ports/cycle-queue.port.ts'

const keyOf = (pair: CyclePair) => `${pair.contextId}\u0000${pair.clientId}`

/**
 * Runs queued cycles in this process, first come first served, at most `concurrency` at once,
 * never one pair twice (a pair queued or running is refused). A failing run is logged and
 * contained; the queue goes on. A job queue across machines can take its place behind the port.
 */
export class InProcessCycleQueue implements CycleQueue {
  readonly #run: (pair: CyclePair) => Promise<unknown>
  readonly #concurrency: number
  readonly #logger: Logger
  readonly #waiting: CyclePair[] = []
  readonly #running = new Map<string, { pair: CyclePair; done: Promise<void> }>()
  #closed = false

  constructor(run: (pair: CyclePair) => Promise<unknown>, concurrency: number, logger: Logger) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number of at least 1, not ${concurrency}`)
    }
    this.#run = run
    this.#concurrency = concurrency
    this.#logger = logger
  }

  async enqueue(pair: CyclePair): Promise<boolean> {
    const key = keyOf(pair)
    if (this.#closed || this.#running.has(key) || this.#waiting.some((p) => keyOf(p) === key)) return false
    this.#waiting.push({ contextId: pair.contextId, clientId: pair.clientId })
    this.#pump()
    return true
  }

  async busy(): Promise<readonly CyclePair[]> {
    return [...[...this.#running.values()].map((r) => r.pair), ...this.#waiting]
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()].map((r) => r.done))
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#waiting.length = 0
    await this.idle()
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#waiting.length > 0) {
      const pair = this.#waiting.shift()!
      const key = keyOf(pair)
      const done = Promise.resolve()
        .then(() => this.#run(pair))
        .then(
          () => undefined,
          (error: unknown) => {
            this.#logger.error(
              { ...pair, err: error instanceof Error ? error.message.split('\n')[0] : String(error) },
              'cycle run failed outside the cycle',
            )
          },
        )
        .finally(() => {
          this.#running.delete(key)
          this.#pump()
        })
      this.#running.set(key, { pair, done })
    }
  }
}
