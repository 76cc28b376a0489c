import { wireIntegerAt, writeWireSpanFast } from '../../../../domain/changes/wire-value-fast.ts'
import type { TextSpan, WireRows } from '../../../../domain/protocol/messages.ts'
import type { ColumnType, IntegerSize } from '../../../../domain/schema/column-type.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import type { SpanWriter } from '../../sql-dialect.ts'
import { BufferRun } from '../../tab-separated-buffers.ts'

/**
 * How a column's values go into COPY's binary format, as renderPostgresType makes the column:
 * text as its UTF-8 bytes (at most `most` UTF-16 units, as fitsWireSpanFast allows), an integer
 * as a big-endian smallint, integer or bigint, a datetime as timestamp's microseconds since
 * 2000-01-01. Other types have no plan: such a table's rows go as text.
 */
type ColumnPlan =
  | { readonly kind: typeof TEXT; readonly most: number }
  | { readonly kind: typeof INTEGER; readonly size: IntegerSize; readonly bytes: 2 | 4 | 8 }
  | { readonly kind: typeof TIMESTAMP }

const TEXT = 0
const INTEGER = 1
const TIMESTAMP = 2

function planOf(type: ColumnType): ColumnPlan | undefined {
  switch (type.kind) {
    case 'string':
      return { kind: TEXT, most: type.length === 'max' ? Number.POSITIVE_INFINITY : type.length }
    case 'text':
    case 'xml':
      return { kind: TEXT, most: Number.POSITIVE_INFINITY }
    case 'integer':
      return { kind: INTEGER, size: type.size, bytes: type.size === 'bigint' ? 8 : type.size === 'int' ? 4 : 2 }
    case 'datetime':
    case 'datetime2':
      return { kind: TIMESTAMP }
    default:
      return undefined
  }
}

/** Each column's plan, or undefined when one has none. */
function tablePlan(table: TableSchema): readonly ColumnPlan[] | undefined {
  const plan = table.columns.map((c) => planOf(c.type))
  return plan.every((c) => c !== undefined) ? plan : undefined
}

/** `PGCOPY\n\377\r\n\0`, no flags, no header extension. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])
/** A value longer than this (UTF-16 units) goes to the native UTF-8 writer in one piece. */
const SHORT = 64
/** Days from 0000-03-01 to 2000-01-01, PostgreSQL's epoch (daysFromCivil(2000, 1, 1)). */
const EPOCH_DAYS = 730_425

/** The span the values are located through; emptied after each batch so it keeps no request text. */
const span: TextSpan = { text: '', start: 0, end: 0 }
/** Where a datetime's canonical text is written before its microseconds are counted. */
const CODES = new Uint8Array(27)

/**
 * The rows of a batch read in place (ChangeBatch.inPlace) in COPY's binary format, with no
 * value, row or string made on the way: PostgreSQL then parses no text (its COPY costs about a
 * sixth less CPU a row than the text format's, measured with this table's shape). Values are
 * exactly those COPY's text would carry: an integer's and a datetime's wire form are read by
 * writeWireSpanFast, a datetime cut to microseconds as the text is (the column's precision
 * rounds it on the server either way). Undefined when a column's type has no plan or a value is
 * not of the shape fitsWireSpanFast takes, so that it checks the values as it writes them.
 */
export function binaryCopySpans(table: TableSchema, rows: WireRows, size = 65_536): Buffer[] | undefined {
  const plan = tablePlan(table)
  if (!plan || !rows.locate) return undefined
  const types = table.columns.map((c) => c.type)
  const width = types.length
  const out = new BufferRun(size)
  out.room(HEADER.length).set(HEADER, 0)
  out.pos = HEADER.length
  try {
    for (let r = 0; r < rows.length; r++) {
      let buffer = out.room(2)
      buffer[out.pos] = width >> 8
      buffer[out.pos + 1] = width & 0xff
      out.pos += 2
      for (let c = 0; c < width; c++) {
        const located = rows.locate(r, c, span)
        const column = plan[c]!
        if (!located) {
          buffer = out.room(4)
          put32(buffer, out.pos, -1)
          out.pos += 4
        } else if (column.kind === TEXT) {
          const units = span.end - span.start
          if (units > column.most) return undefined
          buffer = out.room(4 + units * 3)
          const end = writeUtf8(buffer, out.pos + 4, span.text, span.start, span.end)
          put32(buffer, out.pos, end - out.pos - 4)
          out.pos = end
        } else if (column.kind === INTEGER) {
          const value = wireIntegerAt(span.text, span.start, span.end, column.size)
          if (Number.isNaN(value)) return undefined
          buffer = out.room(12)
          out.pos = writeInteger(buffer, out.pos, column.bytes, value)
        } else {
          if (writeWireSpanFast(span.text, span.start, span.end, types[c]!, CODES, 0) < 0) return undefined
          buffer = out.room(12)
          put32(buffer, out.pos, 8)
          writeMicroseconds(buffer, out.pos + 4, CODES)
          out.pos += 12
        }
      }
    }
  } finally {
    span.text = ''
  }
  const buffer = out.room(2)
  buffer[out.pos++] = 0xff
  buffer[out.pos++] = 0xff
  return out.end()
}

/** The binary writer as the bulk path's SpanWriter: the tables it has a plan for. */
export const BINARY_SPANS: SpanWriter = {
  takes: (table) => tablePlan(table) !== undefined,
  write: (table, rows) => binaryCopySpans(table, rows),
}

/** `text` from `start` to `end` as UTF-8 at `pos` (room: three bytes a UTF-16 unit); where it ends. */
function writeUtf8(buffer: Buffer, pos: number, text: string, start: number, end: number): number {
  if (end - start > SHORT) return pos + buffer.write(text.slice(start, end), pos, 'utf8')
  let at = pos
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i)
    // Past ASCII the native writer encodes the rest (a lone surrogate as U+FFFD, as Buffer.from does).
    if (ch >= 0x80) return at + buffer.write(text.slice(i, end), at, 'utf8')
    buffer[at++] = ch
  }
  return at
}

/**
 * A length-prefixed big-endian integer of `bytes` bytes, in range for them (wireIntegerAt checked
 * it; a bigint column's is a safe integer); where it ends.
 */
function writeInteger(buffer: Buffer, pos: number, bytes: 2 | 4 | 8, value: number): number {
  put32(buffer, pos, bytes)
  if (bytes === 2) {
    buffer[pos + 4] = (value >> 8) & 0xff
    buffer[pos + 5] = value & 0xff
  } else if (bytes === 4) put32(buffer, pos + 4, value)
  else {
    const high = Math.floor(value / 0x1_0000_0000)
    put32(buffer, pos + 4, high)
    put32(buffer, pos + 8, value - high * 0x1_0000_0000)
  }
  return pos + 4 + bytes
}

/**
 * A 32-bit big-endian integer, signed or not: byte stores rather than writeInt32BE, whose range
 * checks cost more than the store, three times a value.
 */
function put32(buffer: Buffer, pos: number, value: number): void {
  buffer[pos] = value >>> 24
  buffer[pos + 1] = (value >>> 16) & 0xff
  buffer[pos + 2] = (value >>> 8) & 0xff
  buffer[pos + 3] = value & 0xff
}

const digit = (codes: Uint8Array, i: number) => codes[i]! - 48
const two = (codes: Uint8Array, i: number) => digit(codes, i) * 10 + digit(codes, i + 1)

/**
 * `yyyy-MM-dd HH:mm:ss.fffffff` (checked) as timestamp's int64 of microseconds since 2000-01-01,
 * the seventh fractional digit cut as the text format's field is. Written exactly in two 32-bit
 * halves: the count passes 2^53 beyond the years 1715–2285, but each step here stays below it.
 */
function writeMicroseconds(buffer: Buffer, pos: number, codes: Uint8Array): void {
  const year = two(codes, 0) * 100 + two(codes, 2)
  const days = daysFromCivil(year, two(codes, 5), two(codes, 8)) - EPOCH_DAYS
  const seconds = days * 86_400 + two(codes, 11) * 3600 + two(codes, 14) * 60 + two(codes, 17)
  const micros = two(codes, 20) * 10_000 + two(codes, 22) * 100 + two(codes, 24)
  // seconds × 10^6 + micros = m × 2^16 + ll, then m = high × 2^16 + ml.
  const s1 = Math.floor(seconds / 65_536)
  const low = (seconds - s1 * 65_536) * 1_000_000 + micros
  const lh = Math.floor(low / 65_536)
  const m = s1 * 1_000_000 + lh
  const high = Math.floor(m / 65_536)
  put32(buffer, pos, high)
  put32(buffer, pos + 4, (m - high * 65_536) * 65_536 + (low - lh * 65_536))
}

/** Days since 0000-03-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil, shifted). */
function daysFromCivil(year: number, month: number, day: number): number {
  // Years from 1 on: every quotient here is of a number at least 0, so truncation floors it.
  const y = month <= 2 ? year - 1 : year
  const era = (y / 400) | 0
  const yoe = y - era * 400
  const doy = (((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) | 0) + day - 1
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy
  return era * 146_097 + doe
}
