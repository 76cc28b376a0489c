/** A dependency readiness asks after: the mirror server, the state store. */
export interface Probed {
  readonly name: string
  readonly probe: () => Promise<void>
}

/** How long an answer is reused: readiness is polled often and must stay cheap. */
const FRESH_MS = 5_000

/**
 * Whether the service can take calls now: every dependency answered its last probe. Answers
 * come from a cache refreshed in the background, so /readyz costs nothing and never waits
 * for a server that hangs, except for the very first probe.
 */
export class Readiness {
  readonly #dependencies: readonly Probed[]
  readonly #now: () => number
  #problems: readonly string[] = []
  #checkedAt = Number.NEGATIVE_INFINITY
  #checking: Promise<void> | undefined

  constructor(dependencies: readonly Probed[], now: () => number = Date.now) {
    this.#dependencies = dependencies
    this.#now = now
  }

  /** What is wrong now; empty when ready. */
  async problems(): Promise<readonly string[]> {
    if (this.#now() - this.#checkedAt >= FRESH_MS) {
      this.#checking ??= this.#check().finally(() => {
        this.#checking = undefined
      })
      if (this.#checkedAt === Number.NEGATIVE_INFINITY) await this.#checking
    }
    return this.#problems
  }

  async #check(): Promise<void> {
    const results = await Promise.all(
      this.#dependencies.map((d) =>
        d.probe().then(
          () => undefined,
          (error: unknown) => `${d.name}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
        ),
      ),
    )
    this.#problems = results.filter((r): r is string => r !== undefined)
    this.#checkedAt = this.#now()
  }
}
