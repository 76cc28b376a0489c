/**
 * Open per-tenant resources (connections, pools) with a cap and idle eviction, so that 1,000
 * tenants do not hold 1,000 open databases. A resource is closed only when no call uses it.
 */
export class TenantPool<T> {
  readonly #entries = new Map<string, Entry<T>>()
  readonly #open: (key: string) => Promise<T>
  readonly #close: (resource: T) => Promise<void>
  readonly #maxOpen: number
  readonly #idleMs: number
  readonly #timer: ReturnType<typeof setInterval> | undefined

  constructor(options: {
    open: (key: string) => Promise<T>
    close: (resource: T) => Promise<void>
    maxOpen: number
    idleMs: number
  }) {
    this.#open = options.open
    this.#close = options.close
    this.#maxOpen = options.maxOpen
    this.#idleMs = options.idleMs
    if (options.idleMs > 0) {
      this.#timer = setInterval(() => void this.evictIdle(), Math.min(options.idleMs, 60_000))
      this.#timer.unref()
    }
  }

  /** Runs work with the tenant's resource, opening it when needed. */
  async use<R>(key: string, work: (resource: T) => Promise<R>): Promise<R> {
    const lease = await this.acquire(key)
    try {
      return await work(lease.resource)
    } finally {
      lease.release()
    }
  }

  /** Borrows the tenant's resource until `release` is called; it is not closed meanwhile. */
  async acquire(key: string): Promise<{ readonly resource: T; readonly release: () => void }> {
    const entry = this.#entry(key)
    entry.active++
    let released = false
    const release = () => {
      if (released) return
      released = true
      entry.active--
      entry.lastUsed = Date.now()
    }
    try {
      return { resource: await entry.resource, release }
    } catch (error) {
      release()
      throw error
    }
  }

  get size(): number {
    return this.#entries.size
  }

  #entry(key: string): Entry<T> {
    let entry = this.#entries.get(key)
    if (!entry) {
      const resource = this.#open(key)
      entry = { resource, active: 0, lastUsed: Date.now() }
      this.#entries.set(key, entry)
      resource.catch(() => this.#entries.delete(key))
      if (this.#entries.size > this.#maxOpen) void this.#evictOldest()
    }
    return entry
  }

  async evictIdle(now = Date.now()): Promise<void> {
    for (const [key, entry] of this.#entries) {
      if (entry.active === 0 && now - entry.lastUsed >= this.#idleMs) await this.#evict(key, entry)
    }
  }

  async #evictOldest(): Promise<void> {
    const idle = [...this.#entries].filter(([, e]) => e.active === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed)
    for (const [key, entry] of idle.slice(0, this.#entries.size - this.#maxOpen)) await this.#evict(key, entry)
  }

  async #evict(key: string, entry: Entry<T>): Promise<void> {
    if (this.#entries.get(key) !== entry) return
    this.#entries.delete(key)
    await this.#close(await entry.resource).catch(() => undefined)
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    const entries = [...this.#entries.values()]
    this.#entries.clear()
    await Promise.all(entries.map(async (e) => this.#close(await e.resource).catch(() => undefined)))
  }
}

interface Entry<T> {
  readonly resource: Promise<T>
  active: number
  lastUsed: number
}
