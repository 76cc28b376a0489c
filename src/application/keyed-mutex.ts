/**
 * Serialises work per key inside one process: calls for one (tenant, table) run one after the
 * other (wire-profile §5) while other keys run in parallel. Several keys are taken in sorted
 * order, so that two callers asking for overlapping sets cannot deadlock. Adapters that share a
 * database between service instances add their own database-level lock inside the transaction.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>()

  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const ordered = [...new Set(keys)].sort()
    const releases: (() => void)[] = []
    try {
      for (const key of ordered) releases.push(await this.#acquire(key))
      return await work()
    } finally {
      for (const release of releases.reverse()) release()
    }
  }

  /** Number of keys currently held or awaited; for tests and metrics. */
  get size(): number {
    return this.#tails.size
  }

  async #acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const current = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => current)
    this.#tails.set(key, tail)
    await previous
    return () => {
      release()
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }
}
