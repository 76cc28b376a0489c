/** Which of its table's earlier calls a call waits for before it is sent. */
export type CallOrder =
  /** Every earlier call of the table (a Wipe, incremental batches, a reload's last batch). */
  | 'after-all'
  /** Only the table's last barrier (a reload's batches of LSN -1 wait for its Wipe, not for each other). */
  | 'after-barrier'

interface TableCalls {
  readonly pending: Set<Promise<void>>
  barrier: Promise<void>
  /** Run once the table has nothing on its way. */
  readonly settled: (() => void)[]
}

/**
 * The calls of one cycle on their way: up to `limit` at a time across the cycle's tables, and
 * up to what each submit allows of one table. A call is ordered after its table's earlier calls
 * as its `order` says: it holds its place meanwhile and is sent only once they came back, and
 * not at all if one failed. So a table's transfer returns once its rows are read and its calls
 * are on their way, and the next table is read and sent meanwhile: a cycle of many small tables
 * (a first load, changes here and there) no longer waits out one round trip at a time.
 *
 * A failed call fails the next submit, the next `settle` or the drain, once every other call
 * has settled: no call is left running or unhandled when the cycle ends.
 */
export class CycleCalls {
  readonly #limit: number
  readonly #pending = new Set<Promise<void>>()
  readonly #tables = new Map<string, TableCalls>()
  #failure: { error: unknown } | undefined

  constructor(limit: number) {
    this.#limit = Math.max(1, limit)
  }

  /** Calls on their way (or waiting for their table's earlier ones) now. */
  get size(): number {
    return this.#pending.size
  }

  /**
   * Takes a place for `call` once fewer than `perTable` of the table's calls and fewer than the
   * limit in all hold one, and returns; the call is sent once the table's earlier calls that
   * `order` names came back. `barrier`: the table's later `after-barrier` calls wait for this one.
   */
  async submit(
    table: string,
    perTable: number,
    call: () => Promise<void>,
    options: { order?: CallOrder; barrier?: boolean } = {},
  ): Promise<void> {
    const most = Math.max(1, perTable)
    while (this.#failure === undefined) {
      const own = this.#tables.get(table)?.pending
      if ((own?.size ?? 0) < most && this.#pending.size < this.#limit) break
      await Promise.race(own && own.size >= most ? own : this.#pending)
    }
    if (this.#failure !== undefined) return this.drain()
    const calls = this.#table(table)
    const before = options.order === 'after-barrier' ? [calls.barrier] : [...calls.pending]
    const started: Promise<void> = Promise.all(before)
      // An earlier call failed: this one is not sent; the failure is already the cycle's.
      .then(() => (this.#failure === undefined ? call() : undefined))
      .then(
        () => this.#forget(table, started),
        (error: unknown) => {
          this.#failure ??= { error }
          this.#forget(table, started)
        },
      )
    calls.pending.add(started)
    this.#pending.add(started)
    if (options.barrier) calls.barrier = started
  }

  /** Waits for the table's calls; then fails with the cycle's first failure, if any. */
  async settle(table: string): Promise<void> {
    await Promise.all(this.#tables.get(table)?.pending ?? [])
    if (this.#failure !== undefined) return this.drain()
  }

  /**
   * Runs `done` once the table's calls have all come back (at once when none is on its way),
   * before the drain that waits for them returns; never when a call of the cycle failed.
   */
  whenSettled(table: string, done: () => void): void {
    const calls = this.#tables.get(table)
    if (calls) calls.settled.push(done)
    else if (this.#failure === undefined) done()
  }

  /** Waits for every call; then fails with the first failure, if any. */
  async drain(): Promise<void> {
    await this.quiesce()
    const failure = this.#failure
    if (failure !== undefined) throw failure.error
  }

  /** Waits for every call, whatever became of them: the cycle is ending on an error of its own. */
  async quiesce(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending)
  }

  #table(table: string): TableCalls {
    let calls = this.#tables.get(table)
    if (!calls) {
      calls = { pending: new Set(), barrier: Promise.resolve(), settled: [] }
      this.#tables.set(table, calls)
    }
    return calls
  }

  #forget(table: string, call: Promise<void>): void {
    this.#pending.delete(call)
    const calls = this.#tables.get(table)
    calls?.pending.delete(call)
    // A table with nothing on its way and no barrier still held starts afresh.
    if (calls && calls.pending.size === 0) {
      this.#tables.delete(table)
      if (this.#failure === undefined) for (const done of calls.settled) done()
    }
  }
}
