import { randomUUID } from 'node:crypto'
import { writeSync } from 'node:fs'

/** EX_SOFTWARE: an internal error; a supervisor (systemd, Docker, Kubernetes) restarts the process. */
export const UNEXPECTED_ERROR_EXIT = 70

/**
 * What the process does with an error that nothing handled (an exception thrown outside any
 * request, a rejected promise nobody awaited): one JSON line on stderr with a short reference
 * and the error, secrets in URLs masked, then exit 70. A process that carried on would do so in
 * a state nobody knows; one that stops is restarted clean by its supervisor, and the
 * reference ties the restart to the line. Calls and cycles never get here: their errors are
 * answered or recorded where they happen.
 */
export function exitOnUnexpectedErrors(): void {
  const stop = (kind: string) => (error: unknown) => {
    const line = {
      level: 'fatal',
      time: new Date().toISOString(),
      msg: 'unexpected error: exiting so that the supervisor restarts the process',
      kind,
      reference: randomUUID().slice(0, 8),
      err: describe(error),
    }
    // Synchronous: the line must be out before the process is.
    writeSync(2, `${JSON.stringify(line)}\n`)
    process.exit(UNEXPECTED_ERROR_EXIT)
  }
  process.on('uncaughtException', stop('uncaughtException'))
  process.on('unhandledRejection', stop('unhandledRejection'))
}

function describe(error: unknown): Record<string, string> {
  // Passwords in URLs and in key=value connection strings.
  const mask = (text: string) =>
    text.replace(/\/\/([^:/@\s]*):[^@/\s]*@/g, '//$1:***@').replace(/\b(password|pwd)=[^\s;&]*/gi, '$1=***')
  if (!(error instanceof Error)) return { message: mask(String(error)) }
  return { type: error.name, message: mask(error.message), stack: mask(error.stack ?? '') }
}
