import type { LoadKind } from '../../../domain/task/load-decision.ts'

/** How a cycle ended, in figures a person reads at a glance. */
export interface CycleReport {
  readonly outcome: 'ok' | 'skipped' | 'failed'
  /** The cycle's message: its summary, or why it failed or was skipped. */
  readonly message: string
  /** Tables sent, and of them those reloaded in full. */
  readonly tables: number
  readonly reloaded: number
  /** Rows inserted, updated and deleted, together. */
  readonly rows: number
  readonly ms: number
}

/** What a running cycle reports, for a progress bar on a terminal or log lines elsewhere. */
export interface CycleProgress {
  tableStarted(table: string, kind: LoadKind | 'up-to-date', expectedRows: number): void
  rowsSent(table: string, rows: number): void
  tableFinished(table: string): void
  /** The cycle is over, recorded and logged. */
  cycleFinished?(report: CycleReport): void
}

export const SILENT_PROGRESS: CycleProgress = {
  tableStarted() {},
  rowsSent() {},
  tableFinished() {},
}
