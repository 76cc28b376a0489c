/**
 * Statements that answer nothing but an error (`begin`, a savepoint and its release, as Kysely and
 * the bulk path send them) are held and sent in one message with the statement after them, on
 * connections made with `multipleStatements`, as postgres-held-statements.ts does for PostgreSQL.
 * A RowData call into MariaDB made ten round trips, each one an answer that waits for the
 * service's thread and a server that waits for the next statement; it makes seven. An error of a
 * held statement comes back as the error of the statement it was sent with, and the transaction
 * is then where it would have been had each been sent alone (the server runs a message's
 * statements in order and stops at the first that fails).
 */
const ANSWERLESS = /^(?:begin|savepoint \w+|release savepoint \w+)$/i

/** What a held statement answers at once: the OK packet it would have had. */
export const HELD_ANSWER = Object.freeze({
  fieldCount: 0,
  affectedRows: 0,
  insertId: 0,
  info: '',
  serverStatus: 0,
  warningStatus: 0,
  changedRows: 0,
})

/** Whether a statement is held for the next one: answerless, with no parameters. */
export function isHeld(text: unknown, params: unknown): boolean {
  const bare = params === undefined || (Array.isArray(params) && params.length === 0)
  return bare && typeof text === 'string' && ANSWERLESS.test(text)
}

/** The statements held before `text`, in one text with it. */
export function withHeld(held: readonly string[], text: string): string {
  return held.length === 0 ? text : `${held.join('; ')}; ${text}`
}

/** A multi-statement answer (results or fields, one per statement) as its last statement's alone. */
export function lastOf<T>(answer: T, statements: number): T {
  return statements > 1 && Array.isArray(answer) ? (answer[answer.length - 1] as T) : answer
}
