import { clip } from '../shared/clip.ts'

/**
 * Table and column names from the wire become SQL identifiers in four engines, so they must
 * look like identifiers: a letter or underscore, then letters, digits, `_`, `$`, `#` or `@`, at
 * most 128 characters (SQL Server's sysname). Adapters still quote every identifier; this
 * check is what lets their error messages and the metadata stay readable.
 */
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_$#@]*$/u
export const MAX_IDENTIFIER_LENGTH = 128

/** Returns the reason the name is refused, or undefined when it is acceptable. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty'
  if (name.length > MAX_IDENTIFIER_LENGTH) return `'${clip(name)}' is longer than ${MAX_IDENTIFIER_LENGTH} characters`
  if (!IDENTIFIER.test(name)) return `'${clip(name)}' is not a valid identifier`
  return undefined
}

/** Identifiers compare without regard to case, as in SQL Server's default collation and SQLite. */
export function identifierKey(name: string): string {
  return name.toLowerCase()
}

/** How long an identifier the mirror's engine keeps, and in what unit (PostgreSQL counts bytes). */
export interface IdentifierLimit {
  readonly length: number
  readonly unit: 'characters' | 'bytes'
}

export function fitsIdentifierLimit(name: string, limit: IdentifierLimit): boolean {
  return (limit.unit === 'bytes' ? utf8Length(name) : name.length) <= limit.length
}

function utf8Length(text: string): number {
  let bytes = 0
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
  }
  return bytes
}
