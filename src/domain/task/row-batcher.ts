import { NO_LSN } from '../changes/lsn.ts'

/** Rows ready to go out as one RowDataBatch, with the LSN the mirror stores with them. */
export interface PlannedBatch<R> {
  readonly rows: readonly R[]
  readonly lsn: number
}

export type BatchMode = { readonly kind: 'full' } | { readonly kind: 'incremental'; readonly since: number }

/**
 * Cuts one table's rows into RowData batches of at most `budget` bytes and gives each the LSN of
 * wire-profile §5:
 * - full reload: every batch but the last carries -1, so that an interrupted reload restarts;
 * - incremental: rows arrive in version order and every batch carries the highest version all
 *   of whose changes it completes, so that an interrupted cycle resumes where it stopped (a
 *   version group cut in two carries the version before it, and is resent whole);
 * - the last batch carries the version the table was read up to, even when it holds no rows.
 * A row larger than the budget goes alone: rows are never split.
 */
export class RowBatcher<R> {
  readonly #budget: number
  readonly #mode: BatchMode
  #rows: R[] = []
  #bytes = 0
  #group: number
  #beforeGroup: number

  constructor(budget: number, mode: BatchMode) {
    this.#budget = budget
    this.#mode = mode
    const start = mode.kind === 'incremental' ? mode.since : NO_LSN
    this.#group = start
    this.#beforeGroup = start
  }

  /** Adds a row; returns the batch it closed, if adding it would have overflowed the budget. */
  add(row: R, bytes: number, version?: number): PlannedBatch<R> | undefined {
    if (version !== undefined && version !== this.#group) {
      if (version < this.#group)
        throw new RangeError(`rows must arrive in version order (${version} after ${this.#group})`)
      this.#beforeGroup = this.#group
      this.#group = version
    }
    let closed: PlannedBatch<R> | undefined
    if (this.#rows.length > 0 && this.#bytes + bytes > this.#budget) {
      closed = { rows: this.#rows, lsn: this.#mode.kind === 'full' ? NO_LSN : this.#beforeGroup }
      this.#rows = []
      this.#bytes = 0
    }
    this.#rows.push(row)
    this.#bytes += bytes
    return closed
  }

  /** The last batch: what is left, with the version the table was read up to. */
  finish(readUpTo: number): PlannedBatch<R> {
    const last = { rows: this.#rows, lsn: readUpTo }
    this.#rows = []
    this.#bytes = 0
    return last
  }

  get pendingRows(): number {
    return this.#rows.length
  }
}
