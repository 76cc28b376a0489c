import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { DriverErrors } from '../../sql-dialect.ts'

interface PgError {
  readonly code?: string
  readonly message?: string
  readonly table?: string
  readonly column?: string
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'])

/** SQLSTATE classes: serialization, deadlock, lock, resources, connection → transient; integrity → conflict. */
export function classifyPostgresError(error: unknown): FailureClass {
  const code = (error as PgError)?.code ?? ''
  if (NETWORK.has(code)) return 'transient'
  if (/^(40001|40P01|55P03|57P0[1-4]|08...|53...)$/.test(code)) return 'transient'
  if (code.startsWith('23')) return 'conflict'
  // pg's own words for a connection lost under a client, which carry no SQLSTATE.
  if (/Connection terminated|not queryable|timeout/i.test((error as PgError)?.message ?? '')) return 'transient'
  return 'fatal'
}

/**
 * The SQLSTATE and pg's message, which names objects but not values; pg's `detail`, which
 * quotes key values, is left out on purpose.
 */
export function describePostgresError(error: unknown): string {
  const e = error as PgError
  const where = [e?.table && `table ${e.table}`, e?.column && `column ${e.column}`].filter(Boolean).join(', ')
  const message = String(e?.message ?? error)
    .split('\n')[0]!
    .replace(/\/\/([^:/@]*):[^@/]*@/g, '//$1:***@')
    // "invalid input syntax for type uuid: "<value>"" quotes the value.
    .replace(/(for type [^:]+): ".*"$/, '$1 (value not shown)')
  return `${e?.code ?? 'PG'}: ${message}${where ? ` (${where})` : ''}`
}

export const postgresErrors: DriverErrors = { classify: classifyPostgresError, describe: describePostgresError }
