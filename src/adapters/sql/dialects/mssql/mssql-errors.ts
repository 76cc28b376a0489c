import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { DriverErrors } from '../../sql-dialect.ts'

interface TediousError {
  readonly number?: number
  readonly code?: string
  readonly message?: string
}

/** Deadlock, lock timeout, Azure SQL throttling and failover, and connection loss. */
const TRANSIENT_NUMBERS = new Set([1205, 1222, -2, 40501, 40613, 49918, 49919, 49920, 10928, 10929, 4060, 40197])
const TRANSIENT_CODES = new Set(['ETIMEOUT', 'ESOCKET', 'ECONNRESET', 'ECONNREFUSED', 'ECONNCLOSED', 'ELOCK'])

export function classifyMssqlError(error: unknown): FailureClass {
  const e = error as TediousError
  if (TRANSIENT_NUMBERS.has(e?.number ?? 0) || TRANSIENT_CODES.has(e?.code ?? '')) return 'transient'
  if (e?.number === 2627 || e?.number === 2601 || e?.number === 547) return 'conflict'
  return 'fatal'
}

/** Number and message; the values SQL Server quotes in key and conversion messages are cut out. */
export function describeMssqlError(error: unknown): string {
  const e = error as TediousError
  const message = String(e?.message ?? error)
    .split('\n')[0]!
    .replace(/The duplicate key value is \(.*\)\.?/, 'The duplicate key value is not shown.')
    .replace(/converting (?:the )?(\w+ )?value '.*?'/, 'converting a $1value')
  return `${e?.number !== undefined ? `Msg ${e.number}` : (e?.code ?? 'MSSQL')}: ${message}`
}

export const mssqlErrors: DriverErrors = { classify: classifyMssqlError, describe: describeMssqlError }
