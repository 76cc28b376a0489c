/** Slabs are this big; a row that could need more is written as text instead (row-xml-bytes.ts). */
export const SLAB_BYTES = 1024 * 1024

/**
 * A buffer that encoded rows are written into one after another, until they are copied into a
 * request's body. `live` counts its rows not copied yet; `generation` changes each time it is
 * used again, so that a row kept past its copy is caught rather than read from reused bytes.
 */
export class RowSlab {
  readonly buffer: Buffer
  used = 0
  live = 0
  generation = 0

  constructor(bytes: number) {
    this.buffer = Buffer.allocUnsafeSlow(bytes)
  }
}

/**
 * The slabs rows are encoded into, used again once every row of one has gone into a body: a
 * fresh megabyte costs more in page faults than writing into it (body-buffers.ts), and a row
 * written once into a slab is not a string the collector keeps until its batch is sent. A slab
 * whose rows were never sent (a failed cycle) is not used again; the collector takes it.
 */
export class RowSlabs {
  readonly #bytes: number
  readonly #keep: number
  readonly #free: RowSlab[] = []
  #current: RowSlab

  constructor(bytes = SLAB_BYTES, keep = 4) {
    this.#bytes = bytes
    this.#keep = keep
    this.#current = new RowSlab(bytes)
  }

  /** Bytes one row may need at most to be written into a slab. */
  get capacity(): number {
    return this.#bytes
  }

  /** The slab to write a row of at most `bytes` bytes into, at its `used`. */
  room(bytes: number): RowSlab {
    const current = this.#current
    if (current.used + bytes <= this.#bytes) return current
    const next = this.#free.pop() ?? new RowSlab(this.#bytes)
    next.used = 0
    next.generation++
    this.#current = next
    if (current.live === 0) this.#keepFree(current)
    return next
  }

  /** `rows` rows of `slab` were copied into a body: their bytes are not read again. */
  release(slab: RowSlab, rows: number): void {
    slab.live -= rows
    if (slab.live === 0 && slab !== this.#current) this.#keepFree(slab)
  }

  #keepFree(slab: RowSlab): void {
    if (this.#free.length < this.#keep) this.#free.push(slab)
  }

  /** Slabs waiting to be used again (tests). */
  get waiting(): number {
    return this.#free.length
  }
}
