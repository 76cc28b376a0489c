import { type ColumnType, INTEGER_RANGE } from '../schema/column-type.ts'
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
      return type.length === 'max' || end - start <= type.length ? text.slice(start, end) : NOT_FAST
    case 'text':
    case 'xml':
      return text.slice(start, end)
    case 'integer':
      return fastInteger(text, start, end, type.size)
    case 'datetime':
      return type.variant === 'datetime'
        ? fastDateTime(text, start, end, 1753, 9999)
        : fastDateTime(text, start, end, 1901, 2078)
    case 'datetime2':
      return fastDateTime(text, start, end, 1, 9999)
    default:
      return NOT_FAST
  }
}

const digit = (text: string, i: number) => text.charCodeAt(i) - 48

function fastInteger(raw: string, start: number, end: number, size: keyof typeof LIMITS): CellValue | typeof NOT_FAST {
  const n = end - start
  const moniker = raw.charCodeAt(start + 1)
  // [I:…], [S:…] or [L:…]
  if (
    n < 5 ||
    n > 20 ||
    raw.charCodeAt(start) !== 91 ||
    raw.charCodeAt(start + 2) !== 58 ||
    raw.charCodeAt(end - 1) !== 93
  )
    return NOT_FAST
  if (moniker !== 73 && moniker !== 83 && moniker !== 76) return NOT_FAST
  let i = start + 3
  const negative = raw.charCodeAt(i) === 45
  if (negative) i++
  if (i === end - 1) return NOT_FAST
  let value = 0
  for (; i < end - 1; i++) {
    const d = digit(raw, i)
    if (d < 0 || d > 9) return NOT_FAST
    value = value * 10 + d
  }
  if (negative) value = -value
  const limits = LIMITS[size]
  if (value < limits[0] || value > limits[1] || Object.is(value, -0)) return NOT_FAST
  return size === 'bigint' ? BigInt(value) : value
}

const at = (raw: string, i: number) => raw.charCodeAt(i)
/** Below zero when the character code `c` is not a decimal digit. */
const notDigitCode = (c: number) => (c - 48) | (57 - c)

/**
 * Only years strictly inside the column's range, so no minute-level bound needs checking.
 * `[DT:MM/dd/yyyy HH:mm:ss.fffffff]` from `o`: each character read once, checked, and the result
 * `yyyy-MM-dd HH:mm:ss.fffffff` made from the codes read, as one flat string (a template of
 * slices leaves a rope that lives until the batch is written and is flattened when bound).
 */
function fastDateTime(
  raw: string,
  o: number,
  end: number,
  minYear: number,
  maxYear: number,
): CellValue | typeof NOT_FAST {
  if (end - o !== 32) return NOT_FAST
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
  if (separators !== 0) return NOT_FAST
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
  if (digits < 0) return NOT_FAST
  const month = (m1 - 48) * 10 + m2 - 48
  const day = (d1 - 48) * 10 + d2 - 48
  const year = (y1 - 48) * 1000 + (y2 - 48) * 100 + (y3 - 48) * 10 + y4 - 48
  if (year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return NOT_FAST
  if ((h1 - 48) * 10 + h2 - 48 > 23 || (n1 - 48) * 10 + n2 - 48 > 59 || (s1 - 48) * 10 + s2 - 48 > 59) return NOT_FAST
  // biome-ignore format: one argument per character of the result, in its order.
  return String.fromCharCode(
    y1, y2, y3, y4, 45, m1, m2, 45, d1, d2, 32, h1, h2, 58, n1, n2, 58, s1, s2, 46, f1, f2, f3, f4, f5, f6, f7,
  )
}
