import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { DriverErrors } from '../../sql-dialect.ts'

interface SqliteError {
  readonly code?: string
  readonly message?: string
}

/** better-sqlite3 error codes (SQLITE_*) sorted into retry classes. */
export function classifySqliteError(error: unknown): FailureClass {
  const code = (error as SqliteError)?.code ?? ''
  if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/.test(code)) return 'transient'
  if (code.startsWith('SQLITE_CONSTRAINT')) return 'conflict'
  return 'fatal'
}

/** SQLite messages name tables and columns, never values, so they can be passed on. */
export function describeSqliteError(error: unknown): string {
  const e = error as SqliteError
  return `${e?.code ?? 'SQLITE_ERROR'}: ${String(e?.message ?? error).split('\n')[0]}`
}

export const sqliteErrors: DriverErrors = { classify: classifySqliteError, describe: describeSqliteError }
