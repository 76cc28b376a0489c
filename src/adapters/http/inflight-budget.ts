/**
 * The process-wide budget of calls in flight: a call holds its body's bytes, and one of
 * `maxCalls` places, from the moment its token is accepted until its reply is written. Past
 * either limit a call waits, in arrival order, for at most `waitMs`, and is then told the
 * service is busy; a bounded wait means two calls that each hold part of the budget cannot
 * block each other for long. The places bound what many small calls hold at once (each parsed
 * call, its decoded rows and their garbage): one thread gains nothing from parsing more calls
 * at a time than it can apply, while the calls that wait keep their bodies unread.
 */
export class InflightBudget {
  readonly capacity: number
  readonly maxCalls: number
  readonly #waitMs: number
  #used = 0
  #peak = 0
  #calls = 0
  #peakCalls = 0
  #refusals = 0
  readonly #waiters: Waiter[] = []

  constructor(capacity: number, waitMs: number, maxCalls = Number.POSITIVE_INFINITY) {
    this.capacity = capacity
    this.maxCalls = maxCalls
    this.#waitMs = waitMs
  }

  /** Calls holding a place now. */
  get calls(): number {
    return this.#calls
  }

  /** The most calls that ever held a place at once. */
  get peakCalls(): number {
    return this.#peakCalls
  }

  /** Bytes held by calls now. */
  get used(): number {
    return this.#used
  }

  /** The most bytes ever held at once. */
  get peak(): number {
    return this.#peak
  }

  /** Requests for room that were still waiting when their wait ran out. */
  get refusals(): number {
    return this.#refusals
  }

  /** A call's share of the budget; grows as its body arrives, released once with `release`. */
  lease(): BudgetLease {
    return new BudgetLease(this)
  }

  /** @internal through BudgetLease; `call`: the bytes come with a place, the call's first. */
  take(bytes: number, call: boolean): Promise<boolean> {
    if (bytes > this.capacity) {
      this.#refusals++
      return Promise.resolve(false)
    }
    if ((!call || !this.#waiters.some((w) => w.call)) && this.#fits(bytes, call)) {
      this.#hold(bytes, call)
      return Promise.resolve(true)
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes,
        call,
        resolve,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
          this.#refusals++
          resolve(false)
          // The head may have been the one that did not fit; those behind it may fit now.
          this.#grant()
        }, this.#waitMs),
      }
      this.#waiters.push(waiter)
    })
  }

  /** @internal through BudgetLease */
  give(bytes: number, call: boolean): void {
    this.#used -= bytes
    if (call) this.#calls--
    this.#grant()
  }

  #fits(bytes: number, call: boolean): boolean {
    return this.#used + bytes <= this.capacity && (!call || this.#calls < this.maxCalls)
  }

  /**
   * New calls get in strictly in arrival order (a big one at the head is not starved by small
   * ones behind it); more bytes for a call already in never wait behind new calls, which could
   * not get a place before it finished.
   */
  #grant(): void {
    let blocked = false
    for (let i = 0; i < this.#waiters.length; ) {
      const waiter = this.#waiters[i]!
      if ((waiter.call && blocked) || !this.#fits(waiter.bytes, waiter.call)) {
        blocked ||= waiter.call
        i++
        continue
      }
      this.#waiters.splice(i, 1)
      clearTimeout(waiter.timer)
      this.#hold(waiter.bytes, waiter.call)
      waiter.resolve(true)
    }
  }

  #hold(bytes: number, call: boolean): void {
    this.#used += bytes
    if (this.#used > this.#peak) this.#peak = this.#used
    if (call && ++this.#calls > this.#peakCalls) this.#peakCalls = this.#calls
  }
}

interface Waiter {
  readonly bytes: number
  readonly call: boolean
  readonly resolve: (granted: boolean) => void
  readonly timer: ReturnType<typeof setTimeout>
}

export class BudgetLease {
  readonly #budget: InflightBudget
  #held = 0
  /** Whether this call holds one of the budget's places (from its first bytes on). */
  #placed = false
  #released = false

  constructor(budget: InflightBudget) {
    this.#budget = budget
  }

  get held(): number {
    return this.#held
  }

  /** Takes `bytes` more for this call; false when the budget stayed full for the whole wait. */
  async grow(bytes: number): Promise<boolean> {
    if (this.#released || bytes <= 0) return !this.#released
    const call = !this.#placed
    const granted = await this.#budget.take(bytes, call)
    // A lease released while it waited gives back at once what it was then granted.
    if (granted && this.#released) this.#budget.give(bytes, call)
    else if (granted) {
      this.#held += bytes
      this.#placed = true
    }
    return granted && !this.#released
  }

  release(): void {
    if (this.#released) return
    this.#released = true
    this.#budget.give(this.#held, this.#placed)
    this.#held = 0
  }
}
