import { MultiBar, Presets, type SingleBar } from 'cli-progress'
import type { CycleProgress } from '../../../application/task/ports/cycle-progress.port.ts'
import type { LoadKind } from '../../../domain/task/load-decision.ts'

/**
 * A bar per table on a terminal (cli-progress): a 413-table cycle shows where it is and how
 * fast rows go. Finished tables stay listed only when they moved rows, so that a cycle of
 * hundreds of unchanged tables does not scroll the screen away.
 */
export class TerminalProgress implements CycleProgress {
  readonly #stream: NodeJS.WriteStream
  readonly #bars: MultiBar
  readonly #active = new Map<string, { bar: SingleBar; sent: number }>()

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream
    this.#bars = new MultiBar(
      {
        stream,
        format: ' {table} [{bar}] {value}/{total} rows {kind} | {duration_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    )
  }

  tableStarted(table: string, kind: LoadKind | 'up-to-date', expectedRows: number): void {
    // Bars are drawn on a terminal only: elsewhere cli-progress would print their last state, unfilled.
    if (kind === 'up-to-date' || !this.#stream.isTTY) return
    const bar = this.#bars.create(Math.max(expectedRows, 1), 0, { table: table.padEnd(24).slice(0, 24), kind })
    this.#active.set(table, { bar, sent: 0 })
  }

  rowsSent(table: string, rows: number): void {
    const entry = this.#active.get(table)
    if (!entry) return
    entry.sent += rows
    if (entry.sent > entry.bar.getTotal()) entry.bar.setTotal(entry.sent)
    entry.bar.update(entry.sent)
  }

  tableFinished(table: string): void {
    const entry = this.#active.get(table)
    if (!entry) return
    entry.bar.setTotal(Math.max(entry.sent, 1))
    entry.bar.update(entry.sent)
    if (entry.sent === 0) this.#bars.remove(entry.bar)
    this.#active.delete(table)
  }

  /** A line of text on the bars' stream: above them while they are drawn, so that they stay whole. */
  log(line: string): void {
    if (this.#bars.isActive) this.#bars.log(`${line}\n`)
    else this.#stream.write(`${line}\n`)
  }

  stop(): void {
    if (!this.#bars.isActive) return
    // A redraw first writes out lines logged since the last one.
    this.#bars.update()
    this.#bars.stop()
  }
}
