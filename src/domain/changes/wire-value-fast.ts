import { type ColumnType, INTEGER_RANGE } from '../schema/column-type.ts'
import { notDigitCode } from '../shared/digit-code.ts'
import type { CellValue } from './cell-value.ts'
import { daysInMonth } from './temporal.ts'

/** Returned when a value is not in the common shape the fast path knows; the full codec decides. */
export const NOT_FAST: unique symbol = Symbol('not fast')

const LIMITS = {
  tinyint: [Number(INTEGER_RANGE.tinyint[0]), Number(INTEGER_RANGE.tinyint[1])],
  smallint: [Number(INTEGER_RANGE.smallint[0]), Number(INTEGER_RANGE.smallint[1])],
  int: [Number(INTEGER_RANGE.int[0]), Number(INTEGER_RANGE.int[1])],
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const

/**
 * The values a RowData call is mostly made of — strings that fit, `[I:…]` integers of up to 15
 * digits, `[DT:MM/dd/yyyy HH:mm:ss.fffffff]` datetimes well inside their range — decoded with
 * character arithmetic and no intermediate objects. A value is taken only when it is valid and
 * gives exactly what `decodeWireValue` gives; anything else, valid or not, is `NOT_FAST` and
 * goes the full way, so errors and edge cases have one source of truth.
 */
export function decodeWireValueFast(raw: string | null, type: ColumnType): CellValue | typeof NOT_FAST {
  if (raw === null) return null
  return decodeWireSpanFast(raw, 0, raw.length, type)
}

/**
 * `decodeWireValueFast` of the value that is `text` from `start` to `end`, read in place: an
 * integer or a datetime makes no string of its wire form on the way (a RowData call's values are
 * read from the request's text this way); text is sliced once, as the value.
 */
export function decodeWireSpanFast(
  text: string,
  start: number,
  end: number,
  type: ColumnType,
): CellValue | typeof NOT_FAST {
  switch (type.kind) {
    case 'string':
      return fitsString(type.length, start, end) ? text.slice(start, end) : NOT_FAST
    case 'text':
    case 'xml':
      return text.slice(start, end)
    case 'integer':
      return fastInteger(text, start, end, type.size)
    case 'datetime':
    case 'datetime2': {
      const [minYear, maxYear] = yearsOf(type)!
      return fastDateTime(text, start, end, minYear, maxYear)
    }
    default:
      return NOT_FAST
  }
}

const digit = (text: string, i: number) => text.charCodeAt(i) - 48

/** A string value fits its column when the column has no limit or the text (UTF-16 units) is within it. */
const fitsString = (length: number | 'max', start: number, end: number) => length === 'max' || end - start <= length

/**
 * `[I:…]`, `[S:…]` or `[L:…]` from `start` to `end` as a number inside the column's range (a
 * bigint column's within the safe range), or NaN: the integer decodeWireSpanFast gives, for a
 * writer of binary values too.
 */
export function wireIntegerAt(raw: string, start: number, end: number, size: keyof typeof LIMITS): number {
  const n = end - start
  const moniker = raw.charCodeAt(start + 1)
  if (
    n < 5 ||
    n > 20 ||
    raw.charCodeAt(start) !== 91 ||
    raw.charCodeAt(start + 2) !== 58 ||
    raw.charCodeAt(end - 1) !== 93
  )
    return Number.NaN
  if (moniker !== 73 && moniker !== 83 && moniker !== 76) return Number.NaN
  let i = start + 3
  const negative = raw.charCodeAt(i) === 45
  if (negative) i++
  if (i === end - 1) return Number.NaN
  let value = 0
  for (; i < end - 1; i++) {
    const d = digit(raw, i)
    if (d < 0 || d > 9) return Number.NaN
    value = value * 10 + d
  }
  if (negative) value = -value
  const limits = LIMITS[size]
  if (value < limits[0] || value > limits[1] || Object.is(value, -0)) return Number.NaN
  return value
}

function fastInteger(raw: string, start: number, end: number, size: keyof typeof LIMITS): CellValue | typeof NOT_FAST {
  const value = wireIntegerAt(raw, start, end, size)
  if (Number.isNaN(value)) return NOT_FAST
  return size === 'bigint' ? BigInt(value) : value
}

const at = (raw: string, i: number) => raw.charCodeAt(i)

/** The canonical datetime's length: `yyyy-MM-dd HH:mm:ss.fffffff`. */
const DATETIME_LENGTH = 27

/**
 * Only years strictly inside the column's range, so no minute-level bound needs checking.
 * `[DT:MM/dd/yyyy HH:mm:ss.fffffff]` from `o`, each character read once and checked; false when
 * the value is not of this shape. `yyyy-MM-dd HH:mm:ss.fffffff` is made from the codes read: as
 * one flat string without `out` (a template of slices leaves a rope that lives until the batch
 * is written and is flattened when bound), else written as codes into `out` at `pos` (true).
 */
function dateTimeAt(
  raw: string,
  o: number,
  end: number,
  minYear: number,
  maxYear: number,
  out: Uint8Array | undefined,
  pos: number,
): string | boolean {
  if (end - o !== 32) return false
  const separators =
    (at(raw, o) ^ 91) |
    (at(raw, o + 1) ^ 68) |
    (at(raw, o + 2) ^ 84) |
    (at(raw, o + 3) ^ 58) |
    (at(raw, o + 6) ^ 47) |
    (at(raw, o + 9) ^ 47) |
    (at(raw, o + 14) ^ 32) |
    (at(raw, o + 17) ^ 58) |
    (at(raw, o + 20) ^ 58) |
    (at(raw, o + 23) ^ 46) |
    (at(raw, o + 31) ^ 93)
  if (separators !== 0) return false
  // biome-ignore format: the characters of the value in their order, separators left out.
  const m1 = at(raw, o + 4), m2 = at(raw, o + 5), d1 = at(raw, o + 7), d2 = at(raw, o + 8),
    y1 = at(raw, o + 10), y2 = at(raw, o + 11), y3 = at(raw, o + 12), y4 = at(raw, o + 13),
    h1 = at(raw, o + 15), h2 = at(raw, o + 16), n1 = at(raw, o + 18), n2 = at(raw, o + 19), s1 = at(raw, o + 21), s2 = at(raw, o + 22),
    f1 = at(raw, o + 24), f2 = at(raw, o + 25), f3 = at(raw, o + 26), f4 = at(raw, o + 27), f5 = at(raw, o + 28), f6 = at(raw, o + 29), f7 = at(raw, o + 30)
  // biome-ignore format: one digit a term.
  const digits =
    notDigitCode(m1) | notDigitCode(m2) | notDigitCode(d1) | notDigitCode(d2) |
    notDigitCode(y1) | notDigitCode(y2) | notDigitCode(y3) | notDigitCode(y4) |
    notDigitCode(h1) | notDigitCode(h2) | notDigitCode(n1) | notDigitCode(n2) | notDigitCode(s1) | notDigitCode(s2) |
    notDigitCode(f1) | notDigitCode(f2) | notDigitCode(f3) | notDigitCode(f4) | notDigitCode(f5) | notDigitCode(f6) | notDigitCode(f7)
  if (digits < 0) return false
  const month = (m1 - 48) * 10 + m2 - 48
  const day = (d1 - 48) * 10 + d2 - 48
  const year = (y1 - 48) * 1000 + (y2 - 48) * 100 + (y3 - 48) * 10 + y4 - 48
  if (year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return false
  if ((h1 - 48) * 10 + h2 - 48 > 23 || (n1 - 48) * 10 + n2 - 48 > 59 || (s1 - 48) * 10 + s2 - 48 > 59) return false
  if (out === undefined) {
    // biome-ignore format: one argument per character of the result, in its order.
    return String.fromCharCode(
      y1, y2, y3, y4, 45, m1, m2, 45, d1, d2, 32, h1, h2, 58, n1, n2, 58, s1, s2, 46, f1, f2, f3, f4, f5, f6, f7,
    )
  }
  // The result's characters in their order.
  out[pos] = y1
  out[pos + 1] = y2
  out[pos + 2] = y3
  out[pos + 3] = y4
  out[pos + 4] = 45
  out[pos + 5] = m1
  out[pos + 6] = m2
  out[pos + 7] = 45
  out[pos + 8] = d1
  out[pos + 9] = d2
  out[pos + 10] = 32
  out[pos + 11] = h1
  out[pos + 12] = h2
  out[pos + 13] = 58
  out[pos + 14] = n1
  out[pos + 15] = n2
  out[pos + 16] = 58
  out[pos + 17] = s1
  out[pos + 18] = s2
  out[pos + 19] = 46
  out[pos + 20] = f1
  out[pos + 21] = f2
  out[pos + 22] = f3
  out[pos + 23] = f4
  out[pos + 24] = f5
  out[pos + 25] = f6
  out[pos + 26] = f7
  return true
}

function fastDateTime(
  raw: string,
  o: number,
  end: number,
  minYear: number,
  maxYear: number,
): CellValue | typeof NOT_FAST {
  const value = dateTimeAt(raw, o, end, minYear, maxYear, undefined, 0)
  return typeof value === 'string' ? value : NOT_FAST
}

/** Where fitsWireSpanFast has a datetime written, to check it. */
const CODES = new Uint8Array(DATETIME_LENGTH)

/** The years inside which each datetime type's values take the fast path; made once, not per value. */
const DATETIME_YEARS = [1753, 9999] as const
const SMALLDATETIME_YEARS = [1901, 2078] as const
const DATETIME2_YEARS = [1, 9999] as const

function yearsOf(type: ColumnType): readonly [number, number] | undefined {
  if (type.kind === 'datetime') return type.variant === 'datetime' ? DATETIME_YEARS : SMALLDATETIME_YEARS
  if (type.kind === 'datetime2') return DATETIME2_YEARS
  return undefined
}

/**
 * Whether decodeWireSpanFast gives the value from `start` to `end` (rather than NOT_FAST), found
 * with nothing allocated: a batch is checked this way before it is encoded in place.
 */
export function fitsWireSpanFast(text: string, start: number, end: number, type: ColumnType): boolean {
  switch (type.kind) {
    case 'string':
      return fitsString(type.length, start, end)
    case 'text':
    case 'xml':
      return true
    case 'integer':
      return !Number.isNaN(wireIntegerAt(text, start, end, type.size))
    default:
      return writeWireSpanFast(text, start, end, type, CODES, 0) >= 0
  }
}

/**
 * The canonical text of an integer or datetime value read in place (what decodeWireSpanFast
 * gives, as a number's decimal digits or a datetime's characters), written as ASCII codes into
 * `out` at `pos`: where it ends, or -1 when decodeWireSpanFast would not give the value or the
 * type is neither. `out` needs room for 27 codes.
 */
export function writeWireSpanFast(
  text: string,
  start: number,
  end: number,
  type: ColumnType,
  out: Uint8Array,
  pos: number,
): number {
  if (type.kind === 'integer') {
    const value = wireIntegerAt(text, start, end, type.size)
    return Number.isNaN(value) ? -1 : writeDigits(out, pos, value)
  }
  const years = yearsOf(type)
  if (years === undefined) return -1
  return dateTimeAt(text, start, end, years[0], years[1], out, pos) === true ? pos + DATETIME_LENGTH : -1
}

/** A safe integer's decimal digits at `pos`; where they end. */
export function writeDigits(out: Uint8Array, pos: number, value: number): number {
  let n = value
  let first = pos
  if (n < 0) {
    out[first++] = 45
    n = -n
  }
  let digits = 1
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++
  const end = first + digits
  for (let i = end - 1; i >= first; i--) {
    out[i] = 48 + (n % 10)
    n = Math.floor(n / 10)
  }
  return end
}
