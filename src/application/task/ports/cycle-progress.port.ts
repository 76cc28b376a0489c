import type { LoadKind } from '../../../domain/task/load-decision.ts'

/** What a running cycle reports, for a progress bar on a terminal or log lines elsewhere. */
export interface CycleProgress {
  tableStarted(table: string, kind: LoadKind | 'up-to-date', expectedRows: number): void
  rowsSent(table: string, rows: number): void
  tableFinished(table: string): void
}

export const SILENT_PROGRESS: CycleProgress = {
  tableStarted() {},
  rowsSent() {},
  tableFinished() {},
}
