import type { Clock } from '../../application/ports/clock.port.ts'

export class SystemClock implements Clock {
  now(): number {
    return Date.now()
  }
}

/** A clock that stays where it is set: the replay command pins it to each captured token's time. */
export class PinnedClock implements Clock {
  #now: number

  constructor(now: number) {
    this.#now = now
  }

  set(now: number): void {
    this.#now = now
  }

  now(): number {
    return this.#now
  }
}
