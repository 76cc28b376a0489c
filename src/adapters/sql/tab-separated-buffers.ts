import type { CellValue, Row } from '../../domain/changes/cell-value.ts'
import { writeDigits } from '../../domain/changes/wire-value-fast.ts'
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
  const { field } = format
  const writeText = textWriter(format)
  const out = new BufferRun(size)
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    for (let c = 0; c < width; c++) {
      const value = field(row[c]!, types[c]!)
      // The most this field can take with the tab and the end of line: a UTF-16 unit is at most 3
      // bytes, an escape 2; a number's text at most 25 characters (-0.0000011115219674695403).
      const buffer = out.room(typeof value === 'string' ? value.length * 3 + 2 : 32)
      let pos = out.pos
      if (c > 0) buffer[pos++] = 9
      if (value === null) {
        buffer[pos++] = BACKSLASH
        buffer[pos++] = 78
      } else if (typeof value === 'number') {
        pos = Number.isSafeInteger(value)
          ? writeDigits(buffer, pos, value)
          : pos + buffer.write(String(value), pos, 'latin1')
      } else pos = writeText(buffer, pos, value, 0, value.length)
      out.pos = pos
    }
    out.buffer[out.pos++] = 10
  }
  return out.end()
}

/**
 * The buffers a batch's text is written into: `room` gives one with space for a field at `pos`,
 * starting another when the current one is too full; `end` gives them all, each cut to its text.
 */
export class BufferRun {
  readonly #size: number
  readonly #buffers: Buffer[] = []
  buffer: Buffer
  pos = 0

  constructor(size: number) {
    this.#size = size
    this.buffer = Buffer.allocUnsafe(size)
  }

  room(most: number): Buffer {
    if (this.pos + most > this.buffer.length) {
      if (this.pos > 0) this.#buffers.push(this.buffer.subarray(0, this.pos))
      this.buffer = Buffer.allocUnsafe(Math.max(this.#size, most))
      this.pos = 0
    }
    return this.buffer
  }

  end(): Buffer[] {
    if (this.pos > 0) this.#buffers.push(this.buffer.subarray(0, this.pos))
    this.pos = 0
    return this.#buffers
  }
}

/**
 * Writes `text` from `start` to `end` at `pos`, backslash-escaped as the format asks (the room
 * for it: three bytes a UTF-16 unit, two an escape); where it ends.
 */
export function textWriter(
  format: TextFormat,
): (buffer: Buffer, pos: number, text: string, start: number, end: number) => number {
  const { escapeNul } = format
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters LOAD DATA escapes.
  const special = escapeNul ? /[\\\t\n\r\u0000]/ : /[\\\t\n\r]/
  const specials = new RegExp(special.source, 'g')
  const escaped = (c: string) => `\\${String.fromCharCode(LETTER[c.charCodeAt(0)]!)}`
  const native = (buffer: Buffer, pos: number, value: string) =>
    pos + buffer.write(special.test(value) ? value.replace(specials, escaped) : value, pos, 'utf8')
  return (buffer, pos, text, start, end) => {
    if (end - start > SHORT)
      return native(buffer, pos, start === 0 && end === text.length ? text : text.slice(start, end))
    let at = pos
    for (let i = start; i < end; i++) {
      const ch = text.charCodeAt(i)
      // Past ASCII the native writer encodes the rest (a lone surrogate as U+FFFD, as Buffer.from does).
      if (ch >= 0x80) return native(buffer, at, text.slice(i, end))
      if (ch === BACKSLASH || ch === 9 || ch === 10 || ch === 13 || (ch === 0 && escapeNul)) {
        buffer[at++] = BACKSLASH
        buffer[at++] = LETTER[ch]!
      } else buffer[at++] = ch
    }
    return at
  }
}
