import type { Logger } from '../../../application/ports/logger.port.ts'
import type { CycleProgress } from '../../../application/task/ports/cycle-progress.port.ts'
import type { LoadKind } from '../../../domain/task/load-decision.ts'

/** Progress as log lines, for services and pipes: one line per table that moves rows. */
export class LogProgress implements CycleProgress {
  readonly #logger: Logger
  readonly #fields: Readonly<Record<string, unknown>>
  readonly #tables = new Map<string, { kind: LoadKind; expected: number; sent: number; started: number }>()

  constructor(logger: Logger, fields: Readonly<Record<string, unknown>> = {}) {
    this.#logger = logger
    this.#fields = fields
  }

  tableStarted(table: string, kind: LoadKind | 'up-to-date', expectedRows: number): void {
    if (kind === 'up-to-date') return
    this.#tables.set(table, { kind, expected: expectedRows, sent: 0, started: Date.now() })
  }

  rowsSent(table: string, rows: number): void {
    const entry = this.#tables.get(table)
    if (entry) entry.sent += rows
  }

  tableFinished(table: string): void {
    const entry = this.#tables.get(table)
    if (!entry) return
    this.#tables.delete(table)
    this.#logger.info(
      { ...this.#fields, table, load: entry.kind, rows: entry.sent, ms: Date.now() - entry.started },
      `table ${table}: ${entry.kind} load sent ${entry.sent} rows`,
    )
  }
}
