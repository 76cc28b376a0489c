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
/** A character's `digit` that is no digit: below 0 is above 9 as unsigned. */
const notDigit = (d: number) => d >>> 0 > 9

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

/** Only years strictly inside the column's range, so no minute-level bound needs checking. */
function fastDateTime(
  raw: string,
  o: number,
  end: number,
  minYear: number,
  maxYear: number,
): CellValue | typeof NOT_FAST {
  // [DT:MM/dd/yyyy HH:mm:ss.fffffff] from `o`, each digit read once.
  if (end - o !== 32) return NOT_FAST
  if (raw.charCodeAt(o) !== 91 || raw.charCodeAt(o + 1) !== 68 || raw.charCodeAt(o + 2) !== 84) return NOT_FAST
  if (
    raw.charCodeAt(o + 3) !== 58 ||
    raw.charCodeAt(o + 31) !== 93 ||
    raw.charCodeAt(o + 6) !== 47 ||
    raw.charCodeAt(o + 9) !== 47
  )
    return NOT_FAST
  if (
    raw.charCodeAt(o + 14) !== 32 ||
    raw.charCodeAt(o + 17) !== 58 ||
    raw.charCodeAt(o + 20) !== 58 ||
    raw.charCodeAt(o + 23) !== 46
  )
    return NOT_FAST
  const m1 = digit(raw, o + 4)
  const m2 = digit(raw, o + 5)
  const d1 = digit(raw, o + 7)
  const d2 = digit(raw, o + 8)
  const y1 = digit(raw, o + 10)
  const y2 = digit(raw, o + 11)
  const y3 = digit(raw, o + 12)
  const y4 = digit(raw, o + 13)
  const h1 = digit(raw, o + 15)
  const h2 = digit(raw, o + 16)
  const n1 = digit(raw, o + 18)
  const n2 = digit(raw, o + 19)
  const s1 = digit(raw, o + 21)
  const s2 = digit(raw, o + 22)
  if (notDigit(m1) || notDigit(m2) || notDigit(d1) || notDigit(d2) || notDigit(h1) || notDigit(h2)) return NOT_FAST
  if (notDigit(y1) || notDigit(y2) || notDigit(y3) || notDigit(y4)) return NOT_FAST
  if (notDigit(n1) || notDigit(n2) || notDigit(s1) || notDigit(s2)) return NOT_FAST
  for (let i = o + 24; i < o + 31; i++) if (notDigit(digit(raw, i))) return NOT_FAST
  const month = m1 * 10 + m2
  const day = d1 * 10 + d2
  const year = y1 * 1000 + y2 * 100 + y3 * 10 + y4
  if (year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return NOT_FAST
  if (h1 * 10 + h2 > 23 || n1 * 10 + n2 > 59 || s1 * 10 + s2 > 59) return NOT_FAST
  return canonicalDateTime(raw, o)
}

const at = (raw: string, i: number) => raw.charCodeAt(i)

/**
 * `[DT:MM/dd/yyyy HH:mm:ss.fffffff]` → `yyyy-MM-dd HH:mm:ss.fffffff` as one flat string. A
 * template of slices leaves a rope of several pieces that lives until the batch is written and
 * is flattened again when bound; this is about a quarter cheaper a value, binding included.
 */
function canonicalDateTime(raw: string, o: number): string {
  // biome-ignore format: one argument per character of the result, in its order.
  return String.fromCharCode(
    at(raw, o + 10), at(raw, o + 11), at(raw, o + 12), at(raw, o + 13), 45, at(raw, o + 4), at(raw, o + 5), 45, at(raw, o + 7), at(raw, o + 8), 32,
    at(raw, o + 15), at(raw, o + 16), 58, at(raw, o + 18), at(raw, o + 19), 58, at(raw, o + 21), at(raw, o + 22), 46,
    at(raw, o + 24), at(raw, o + 25), at(raw, o + 26), at(raw, o + 27), at(raw, o + 28), at(raw, o + 29), at(raw, o + 30),
  )
}
