import pg from 'pg'

/**
 * Marks a statement whose answer no one reads (an advisory lock): like `begin` and savepoints, it
 * is held and sent in one message with the next statement (postgres-session.ts).
 */
export const HELD_MARKER = '/*tenant-mirror:held*/'

/** Statements that answer nothing but an error, which the next statement's answer carries too. */
const ANSWERLESS = /^(?:begin|savepoint \w+|release savepoint \w+)$/i

/** A statement given with its parameters inline grows at most to this; bigger ones go as they came. */
const MOST_INLINE = 16_384

/** Whether a statement is held for the next one: one of the above, or marked, with no parameters. */
export function isHeld(text: string, params: readonly unknown[] | undefined): boolean {
  if (params !== undefined && params.length > 0) return false
  return text.startsWith(HELD_MARKER) || ANSWERLESS.test(text)
}

/**
 * `text` with each `$n` replaced by its parameter as a literal, so that it can share a
 * simple-query message with the statements held before it; undefined wherever that could mean
 * anything else. A literal is as untyped as a parameter sent as text (what pg sends), so the
 * server infers the same type for it. Only plain values are taken (text, numbers, booleans,
 * NULL), text without NUL (a simple query cannot carry it); only statements with nothing quoted
 * but identifiers (no string literals, comments or dollar quotes to misread a `$n` in).
 */
export function inlineParameters(text: string, params: readonly unknown[]): string | undefined {
  const literals: string[] = []
  for (const value of params) {
    const literal = literalOf(value)
    if (literal === undefined) return undefined
    literals.push(literal)
  }
  let out = ''
  let i = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      // A quoted identifier, its quotes doubled inside: copied as it is.
      let end = i + 1
      for (;;) {
        end = text.indexOf('"', end)
        if (end < 0) return undefined
        if (text.charCodeAt(end + 1) !== 0x22) break
        end += 2
      }
      out += text.slice(i, end + 1)
      i = end + 1
    } else if (c === 0x24) {
      let end = i + 1
      while (end < text.length && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++
      const n = Number(text.slice(i + 1, end))
      if (end === i + 1 || n < 1 || n > literals.length) return undefined
      out += literals[n - 1]
      i = end
    } else if (c === 0x27 || c === 0x5c || (c === 0x2d && text.charCodeAt(i + 1) === 0x2d)) {
      return undefined
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      return undefined
    } else {
      out += text[i]
      i++
    }
    if (out.length > MOST_INLINE) return undefined
  }
  return out
}

function literalOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'NULL'
  switch (typeof value) {
    case 'string':
      return value.includes('\u0000') ? undefined : pg.escapeLiteral(value)
    case 'number':
    case 'bigint':
    case 'boolean':
      return pg.escapeLiteral(String(value))
    default:
      return undefined
  }
}

/** What a held statement answers at once: nothing, under its command's name. */
export function heldResult(text: string): pg.QueryResult {
  const command = (text.startsWith(HELD_MARKER) ? text.slice(HELD_MARKER.length) : text).split(' ', 1)[0]!
  return { command: command.toUpperCase(), rowCount: null, oid: 0, fields: [], rows: [] }
}

/** The answer of a message's last statement (pg answers a list when a message holds several). */
export function lastResult(result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult {
  return Array.isArray(result) ? result[result.length - 1]! : result
}
