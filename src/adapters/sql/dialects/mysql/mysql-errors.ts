import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'

interface MysqlError {
  readonly errno?: number
  readonly code?: string
  readonly message?: string
  readonly sqlMessage?: string
}

const TRANSIENT_ERRNO = new Set([1205, 1213, 1040, 1203, 2006, 2013])
const TRANSIENT_CODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'])

export function classifyMysqlError(error: unknown): FailureClass {
  const e = error as MysqlError
  if (TRANSIENT_ERRNO.has(e?.errno ?? 0) || TRANSIENT_CODE.has(e?.code ?? '')) return 'transient'
  if (e?.errno === 1062 || e?.errno === 1452) return 'conflict'
  return 'fatal'
}

/** The error code and MySQL's message, without the quoted values of duplicate-key and conversion messages. */
export function describeMysqlError(error: unknown): string {
  const e = error as MysqlError
  const message = String(e?.sqlMessage ?? e?.message ?? error)
    .split('\n')[0]!
    .replace(/\/\/([^:/@]*):[^@/]*@/g, '//$1:***@')
    .replace(/^Duplicate entry '.*' for key/, 'Duplicate entry for key')
    .replace(/value: '.*?'/g, 'value (not shown)')
  return `${e?.code ?? 'MYSQL'}${e?.errno ? ` ${e.errno}` : ''}: ${message}`
}
