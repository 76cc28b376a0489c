import type { Clock } from '../../application/ports/clock.port.ts'
import type { NonceStore } from '../../application/ports/nonce-store.port.ts'

/**
 * Nonces seen by this process, each kept until its token expires (plus the clock skew), so the
 * memory held is bounded by the call rate times the token lifetime (about six minutes).
 */
export class InMemoryNonceStore implements NonceStore {
  readonly #seen = new Map<string, number>()
  readonly #clock: Clock
  readonly #graceSeconds: number
  #nextSweep = 0

  constructor(clock: Clock, graceSeconds: number) {
    this.#clock = clock
    this.#graceSeconds = graceSeconds
  }

  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    const now = this.#clock.now() / 1000
    if (now >= this.#nextSweep) this.#sweep(now)
    const known = this.#seen.get(nonce)
    if (known !== undefined && known > now) return false
    this.#seen.set(nonce, expiresAt + this.#graceSeconds)
    return true
  }

  #sweep(now: number): void {
    for (const [nonce, until] of this.#seen) if (until <= now) this.#seen.delete(nonce)
    this.#nextSweep = now + 30
  }
}
