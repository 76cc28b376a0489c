import type { Logger } from '../application/ports/logger.port.ts'

/** Log lines kept in memory, so that a test can read what was logged, or look for a secret that must not be. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; fields: Readonly<Record<string, unknown>>; message: string }[] = []
  debug(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'debug', fields, message })
  }
  info(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'info', fields, message })
  }
  warn(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'warn', fields, message })
  }
  error(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'error', fields, message })
  }
  text(): string {
    return this.lines.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n')
  }
}
