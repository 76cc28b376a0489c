import type { CellValue, Row } from '../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../domain/schema/column-type.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'

/** How one engine's text format (COPY's, LOAD DATA's) spells a value. */
export interface TextFormat {
  /** The value as the engine reads it, before escaping: `null` is written `\N`. */
  readonly field: (value: CellValue, type: ColumnType) => string | number | null
  /** LOAD DATA reads `\0` as NUL; COPY has no escape for it (PostgreSQL's text refuses NUL). */
  readonly escapeNul: boolean
}

/** After a backslash, the letter that stands for each control character escaped. */
const LETTER: Readonly<Record<number, number>> = { 0: 48, 9: 116, 10: 110, 13: 114, 92: 92 }
/** A string longer than this goes to the native UTF-8 writer in one piece. */
const SHORT = 64
const BACKSLASH = 92

/**
 * Rows as tab-separated, backslash-escaped lines written straight into buffers of about `size`
 * bytes: one write (one CopyData, one packet) each. Nothing is made per value or per row — a
 * string per field, a line per row and a joined chunk cost more than the engine's own work. All
 * of a batch's buffers are written at once, before its load starts (postgres-copy.ts says why).
 */
export function tabSeparatedBuffers(
  table: TableSchema,
  rows: readonly Row[],
  format: TextFormat,
  size = 65_536,
): Buffer[] {
  const types = table.columns.map((c) => c.type)
  const width = types.length
  const { field, escapeNul } = format
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters LOAD DATA escapes.
  const special = escapeNul ? /[\\\t\n\r\u0000]/ : /[\\\t\n\r]/
  const specials = new RegExp(special.source, 'g')
  const escaped = (c: string) => `\\${String.fromCharCode(LETTER[c.charCodeAt(0)]!)}`
  const buffers: Buffer[] = []
  let buffer = Buffer.allocUnsafe(size)
  let pos = 0
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    for (let c = 0; c < width; c++) {
      const value = field(row[c]!, types[c]!)
      // The most this field can take with the tab and the end of line: a UTF-16 unit is at most 3
      // bytes, an escape 2; a number's text at most 25 characters (-0.0000011115219674695403).
      const most = typeof value === 'string' ? value.length * 3 + 2 : 32
      if (pos + most > buffer.length) {
        if (pos > 0) buffers.push(buffer.subarray(0, pos))
        buffer = Buffer.allocUnsafe(Math.max(size, most))
        pos = 0
      }
      if (c > 0) buffer[pos++] = 9
      if (value === null) {
        buffer[pos++] = BACKSLASH
        buffer[pos++] = 78
      } else if (typeof value === 'number') {
        pos = Number.isSafeInteger(value)
          ? writeInteger(buffer, pos, value)
          : pos + buffer.write(String(value), pos, 'latin1')
      } else if (value.length > SHORT) {
        pos += buffer.write(special.test(value) ? value.replace(specials, escaped) : value, pos, 'utf8')
      } else {
        for (let i = 0; i < value.length; i++) {
          const ch = value.charCodeAt(i)
          if (ch >= 0x80) {
            // Past ASCII the native writer encodes the rest (a lone surrogate as U+FFFD, as Buffer.from does).
            const rest = value.slice(i)
            pos += buffer.write(special.test(rest) ? rest.replace(specials, escaped) : rest, pos, 'utf8')
            break
          }
          if (ch === BACKSLASH || ch === 9 || ch === 10 || ch === 13 || (ch === 0 && escapeNul)) {
            buffer[pos++] = BACKSLASH
            buffer[pos++] = LETTER[ch]!
          } else buffer[pos++] = ch
        }
      }
    }
    buffer[pos++] = 10
  }
  if (pos > 0) buffers.push(buffer.subarray(0, pos))
  return buffers
}

/** A safe integer's decimal digits at `pos`; where they end. */
function writeInteger(buffer: Buffer, pos: number, value: number): number {
  let n = value
  if (n < 0) {
    buffer[pos++] = 45
    n = -n
  }
  let digits = 1
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++
  const end = pos + digits
  for (let i = end - 1; i >= pos; i--) {
    buffer[i] = 48 + (n % 10)
    n = Math.floor(n / 10)
  }
  return end
}
