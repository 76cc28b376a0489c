import type { Logger } from '../../../application/ports/logger.port.ts'
import type { LogLevel } from '../../system/pino-logger.ts'

const RANK: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
}

/**
 * The logger of a command a person watches at a terminal: warnings and errors as plain lines
 * (`warning: …`, `error: …`, with the error's text), never JSON; information is left out, the
 * command prints each cycle's outcome itself. `level` above warn leaves out warnings too.
 */
export class TextLogger implements Logger {
  readonly #write: (line: string) => void
  readonly #level: number

  constructor(write: (line: string) => void, level: LogLevel = 'warn') {
    this.#write = write
    this.#level = Math.max(RANK[level], RANK.warn)
  }

  debug(_fields: Readonly<Record<string, unknown>>, _message: string): void {}

  info(_fields: Readonly<Record<string, unknown>>, _message: string): void {}

  warn(fields: Readonly<Record<string, unknown>>, message: string): void {
    if (this.#level <= RANK.warn) this.#write(`warning: ${withError(fields, message)}`)
  }

  error(fields: Readonly<Record<string, unknown>>, message: string): void {
    if (this.#level <= RANK.error) this.#write(`error: ${withError(fields, message)}`)
  }
}

function withError(fields: Readonly<Record<string, unknown>>, message: string): string {
  const err = fields.err
  return err === undefined ? message : `${message}: ${String(err).split('\n')[0]}`
}
