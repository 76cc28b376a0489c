import pino from 'pino'
import type { Logger } from '../../application/ports/logger.port.ts'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/**
 * JSON lines on stdout (or a given stream). Redaction is a second line of defence: callers
 * already never pass tokens, keys or row values, but a field by one of these names is masked.
 */
export function createPinoLogger(level: LogLevel, destination?: pino.DestinationStream): PinoLogger {
  return new PinoLogger(
    pino(
      {
        level,
        base: { service: 'tenant-mirror' },
        redact: {
          paths: ['token', 'signedToken', 'privateKey', 'key', 'password', '*.token', '*.password'],
          censor: '[redacted]',
        },
      },
      destination,
    ),
  )
}

export class PinoLogger implements Logger {
  readonly #pino: pino.Logger

  constructor(logger: pino.Logger) {
    this.#pino = logger
  }

  debug(fields: Readonly<Record<string, unknown>>, message: string): void {
    this.#pino.debug(fields, message)
  }

  info(fields: Readonly<Record<string, unknown>>, message: string): void {
    this.#pino.info(fields, message)
  }

  warn(fields: Readonly<Record<string, unknown>>, message: string): void {
    this.#pino.warn(fields, message)
  }

  error(fields: Readonly<Record<string, unknown>>, message: string): void {
    this.#pino.error(fields, message)
  }

  flush(): void {
    this.#pino.flush()
  }
}
