/** Buffers are cut in steps of this size, so bodies of nearly one size share them. */
const STEP = 256 * 1024

/**
 * Buffers for RowData request bodies, used again call after call. A fresh megabyte costs the task
 * more in page faults than writing the body into it (about 2.5 ms a megabyte on the VMs measured),
 * and a garbage-collected one is not given back before the collector runs. At most `keep` buffers
 * and `keepBytes` bytes wait here; a call in flight holds its own until its request is done.
 */
export class BodyBuffers {
  readonly #free: Buffer[] = []
  readonly #keep: number
  readonly #keepBytes: number

  constructor(keep = 4, keepBytes = 32 * 1024 * 1024) {
    this.#keep = keep
    this.#keepBytes = keepBytes
  }

  /** A buffer of at least `bytes` bytes, its content undefined: the caller writes every byte it sends. */
  take(bytes: number): Buffer {
    let best = -1
    for (let i = 0; i < this.#free.length; i++) {
      const size = this.#free[i]!.byteLength
      if (size >= bytes && (best < 0 || size < this.#free[best]!.byteLength)) best = i
    }
    if (best >= 0) return this.#free.splice(best, 1)[0]!
    return Buffer.allocUnsafeSlow(Math.ceil(Math.max(bytes, 1) / STEP) * STEP)
  }

  /**
   * Gives a buffer back once nothing reads it any more. Past `keep` buffers the smallest go; past
   * `keepBytes` the largest, which one oversized call may have left.
   */
  give(buffer: Buffer): void {
    this.#free.push(buffer)
    this.#free.sort((a, b) => b.byteLength - a.byteLength)
    while (this.#free.length > this.#keep) this.#free.pop()
    let total = this.#free.reduce((n, b) => n + b.byteLength, 0)
    while (total > this.#keepBytes) total -= this.#free.shift()!.byteLength
  }

  /** Buffers waiting to be used again (tests). */
  get waiting(): number {
    return this.#free.length
  }
}
