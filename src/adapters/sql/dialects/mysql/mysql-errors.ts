import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { DriverErrors } from '../../sql-dialect.ts'

interface MysqlError {
  readonly errno?: number
  readonly code?: string
  readonly message?: string
  readonly sqlMessage?: string
}

/**
 * Lock waits, deadlocks, too many connections, and a connection the server ended: gone away,
 * lost, killed (MariaDB 1927), shut down (1053), interrupted (1317), idle too long (4031).
 */
const TRANSIENT_ERRNO = new Set([1205, 1213, 1040, 1203, 2006, 2013, 1053, 1317, 1927, 4031])
const TRANSIENT_CODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'])
/** mysql2's words for a statement given to a connection that has already lost its server; no code. */
const CLOSED = /^Can't (add new command|write) (when connection is )?in closed state/

export function classifyMysqlError(error: unknown): FailureClass {
  const e = error as MysqlError
  if (TRANSIENT_ERRNO.has(e?.errno ?? 0) || TRANSIENT_CODE.has(e?.code ?? '')) return 'transient'
  if (CLOSED.test(e?.message ?? '')) return 'transient'
  if (e?.errno === 1062 || e?.errno === 1452) return 'conflict'
  return 'fatal'
}

/** The error code and MySQL's message, without the quoted values of duplicate-key and conversion messages. */
export function describeMysqlError(error: unknown): string {
  const e = error as MysqlError
  if (!e?.code && CLOSED.test(e?.message ?? '')) {
    return 'CONNECTION_LOST: the connection to the mirror database was lost before this statement'
  }
  const message = String(e?.sqlMessage ?? e?.message ?? error)
    .split('\n')[0]!
    .replace(/\/\/([^:/@]*):[^@/]*@/g, '//$1:***@')
    .replace(/^Duplicate entry '.*' for key/, 'Duplicate entry for key')
    .replace(/value: '.*?'/g, 'value (not shown)')
  return `${e?.code ?? 'MYSQL'}${e?.errno ? ` ${e.errno}` : ''}: ${message}`
}

export const mysqlErrors: DriverErrors = { classify: classifyMysqlError, describe: describeMysqlError }
