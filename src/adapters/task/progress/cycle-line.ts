import type { CycleReport } from '../../../application/task/ports/cycle-progress.port.ts'

/**
 * A cycle in one line for a person at a terminal, local time first:
 * `12:03:04 Cust12345 cycle ok: 399 tables, 12 rows in 0.4 s`,
 * `12:03:34 Cust12345 cycle failed after 0.1 s: RowData call 3 lost in transit`.
 * The application is named when `clientId` is given (a tenant may have approved several).
 */
export function cycleLine(pair: { contextId: string; clientId?: string }, report: CycleReport, at: Date): string {
  const who = pair.clientId ? `${pair.contextId} ${pair.clientId}` : pair.contextId
  const time = `${at.toTimeString().slice(0, 8)} ${who} cycle`
  const seconds = `${(report.ms / 1000).toFixed(1)} s`
  const flat = report.message.replace(/\s*[\r\n]+\s*/g, ' ')
  switch (report.outcome) {
    case 'ok': {
      const reloaded = report.reloaded > 0 ? ` (${report.reloaded} reloaded)` : ''
      return `${time} ok: ${count(report.tables, 'table')}${reloaded}, ${count(report.rows, 'row')} in ${seconds}`
    }
    case 'skipped':
      return `${time} skipped: ${flat}`
    default:
      return `${time} failed after ${seconds}: ${flat}`
  }
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
