/**
 * The process-wide budget of request-body bytes in flight: a call holds its body's bytes from
 * the moment its token is accepted until its reply is written. Past the budget a call waits, in
 * arrival order, for at most `waitMs`, and is then told the service is busy; a bounded wait
 * means two calls that each hold part of the budget cannot block each other for long.
 */
export class InflightBudget {
  readonly capacity: number
  readonly #waitMs: number
  #used = 0
  #peak = 0
  #refusals = 0
  readonly #waiters: Waiter[] = []

  constructor(capacity: number, waitMs: number) {
    this.capacity = capacity
    this.#waitMs = waitMs
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

  /** @internal through BudgetLease */
  take(bytes: number): Promise<boolean> {
    if (bytes > this.capacity) {
      this.#refusals++
      return Promise.resolve(false)
    }
    if (this.#waiters.length === 0 && this.#used + bytes <= this.capacity) {
      this.#hold(bytes)
      return Promise.resolve(true)
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes,
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
  give(bytes: number): void {
    this.#used -= bytes
    this.#grant()
  }

  #grant(): void {
    while (this.#waiters.length > 0 && this.#used + this.#waiters[0]!.bytes <= this.capacity) {
      const waiter = this.#waiters.shift()!
      clearTimeout(waiter.timer)
      this.#hold(waiter.bytes)
      waiter.resolve(true)
    }
  }

  #hold(bytes: number): void {
    this.#used += bytes
    if (this.#used > this.#peak) this.#peak = this.#used
  }
}

interface Waiter {
  readonly bytes: number
  readonly resolve: (granted: boolean) => void
  readonly timer: ReturnType<typeof setTimeout>
}

export class BudgetLease {
  readonly #budget: InflightBudget
  #held = 0
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
    const granted = await this.#budget.take(bytes)
    // A lease released while it waited gives back at once what it was then granted.
    if (granted && this.#released) this.#budget.give(bytes)
    else if (granted) this.#held += bytes
    return granted && !this.#released
  }

  release(): void {
    if (this.#released) return
    this.#released = true
    this.#budget.give(this.#held)
    this.#held = 0
  }
}
