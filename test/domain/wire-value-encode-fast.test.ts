import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeXml } from '../../src/adapters/soap/xml-text.ts'
import type { CellValue } from '../../src/domain/changes/cell-value.ts'
import { formatWireDateTime, parseCanonical } from '../../src/domain/changes/temporal.ts'
import { encodeWireValue } from '../../src/domain/changes/wire-value.ts'
import {
  type WireValueEncoder,
  wireValueEncoder,
  wireValueIsPlainXml,
} from '../../src/domain/changes/wire-value-encode-fast.ts'
import type { ColumnType } from '../../src/domain/schema/column-type.ts'
import { sqlServerType } from '../support/schemas.ts'
import { type TemporalShape, temporalText, validParts } from '../support/temporal-text.ts'

const type = sqlServerType
/** Canonical date, datetime and datetimeoffset values (cell-value.ts), any year, any fraction. */
const canonical = fc
  .tuple(validParts, fc.constantFrom<TemporalShape>('date', 'datetime', 'offset'))
  .map(([parts, shape]) => ({
    value: temporalText(parts, shape),
    type: type(shape === 'date' ? 'date' : shape === 'datetime' ? 'datetime2(7)' : 'datetimeoffset'),
  }))

describe('encoding dates for the wire by position', () => {
  it('gives exactly what parsing the canonical value and formatting it gives', () => {
    fc.assert(
      fc.property(canonical, ({ value, type }) => {
        const parsed = parseCanonical(value)
        expect(parsed).toBeDefined()
        expect(encodeWireValue(value, type)).toBe(`[DT:${formatWireDateTime(parsed!)}]`)
      }),
      { numRuns: 5000 },
    )
  })

  it('still refuses a value that is not canonical', () => {
    for (const bad of [
      '2024-01-02T03:04:05.0000000',
      '2024-01-02 03:04:05',
      '2024-1-02',
      '2024-01-02 03:04:05.000000x',
    ])
      expect(() => encodeWireValue(bad, type('datetime2(7)'))).toThrow(TypeError)
  })
})

/** Every kind of column type, and the sizes and variants that change an encoding. */
const TYPES = [
  'tinyint',
  'smallint',
  'int',
  'bigint',
  'bit',
  'real',
  'float',
  'decimal(18,4)',
  'numeric(38,0)',
  'money',
  'smallmoney',
  'datetime',
  'smalldatetime',
  'datetime2(7)',
  'datetime2(0)',
  'datetimeoffset(7)',
  'date',
  'time(7)',
  'char(3)',
  'varchar(20)',
  'nvarchar(255)',
  'nvarchar(max)',
  'text',
  'ntext',
  'binary(4)',
  'varbinary(max)',
  'image',
  'uniqueidentifier',
  'xml',
].map(type)

const DATE_KINDS = new Set(['datetime', 'datetime2', 'datetimeoffset', 'date'])

/** Canonical date/time text of every shape, the years at and near the limits, any fraction. */
const dateTimeText = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(1, 9, 10, 999, 1000, 1752, 1753, 1899, 1900, 2078, 2079, 9998, 9999),
      fc.integer({ min: 0, max: 9999 }),
    ),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 60 }),
    fc.oneof(fc.constantFrom(0, 1, 5_000_000, 9_999_999), fc.integer({ min: 0, max: 9_999_999 })),
    fc.integer({ min: -14 * 60, max: 14 * 60 }),
    fc.constantFrom<TemporalShape>('date', 'datetime', 'datetime', 'datetime', 'offset'),
  )
  .map(([y, mo, d, h, mi, s, f, o, shape]) => temporalText([y, mo, d, h, mi, s, f, o], shape))

/** Characters that could be mistaken for a digit or a separator, or that no check expects. */
const oddChar = fc.constantFrom(
  '0',
  '9',
  '/',
  ':',
  '-',
  '.',
  ' ',
  'T',
  'x',
  '\u0000',
  '٣',
  '０',
  '\u00ff',
  '😀',
  '<',
  '&',
)

/** A canonical datetime with one character replaced, or cut or lengthened by one. */
const nearlyDateTime = fc
  .tuple(dateTimeText, fc.nat(), oddChar, fc.constantFrom('replace', 'replace', 'cut', 'add'))
  .map(([text, at, c, how]) => {
    const i = at % text.length
    if (how === 'cut') return text.slice(0, i) + text.slice(i + 1)
    if (how === 'add') return text.slice(0, i) + c + text.slice(i)
    return text.slice(0, i) + c + text.slice(i + 1)
  })

const INTEGER_EDGES = [
  0,
  -0,
  1,
  -1,
  255,
  256,
  -32768,
  32767,
  32768,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
]
const number = fc.oneof(
  fc.constantFrom(...INTEGER_EDGES, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1.5, 1e21, 5e-324),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_VALUE),
  fc.integer(),
  fc.integer({ min: -32768, max: 32767 }),
  fc.double(),
)
const bigint = fc.oneof(
  fc.constantFrom(0n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 64n),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
)
const text = fc.oneof(
  fc.constantFrom('', ' ', 'plain', '<a & "b">\r\n\t', '\u0000\u0001', '\ud800', 'Grüße ☃ 😀', 'x'.repeat(300)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
)

/** Values of every JS type a CellValue can be, most in the shape some column type expects. */
const value: fc.Arbitrary<CellValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  number,
  bigint,
  { arbitrary: dateTimeText, weight: 4 },
  { arbitrary: nearlyDateTime, weight: 3 },
  text,
  fc.constantFrom(
    '12345678901234.5678',
    '-922337203685477.5808',
    '23:59:59.9999999',
    '6F9619FF-8B86-D011-B42D-00C04FC964FF',
  ),
  fc.uint8Array({ maxLength: 8 }),
)

/** A value as its column type, or, where a common-shaped value suits the type, more often that. */
const typedValue = fc.oneof(
  fc.tuple(fc.constantFrom(...TYPES), value),
  fc.tuple(fc.constantFrom(...TYPES.filter((t) => DATE_KINDS.has(t.kind))), fc.oneof(dateTimeText, nearlyDateTime)),
  fc.tuple(fc.constantFrom(...TYPES.filter((t) => t.kind === 'integer')), fc.oneof(number, bigint)),
)

/** What encoding gives: the text, or the error thrown (its kind and message). */
function outcome(encode: () => string | null): { value: string | null } | { error: string } {
  try {
    return { value: encode() }
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` }
  }
}

/** Whether an encoder made per column type gives what `encodeWireValue` gives, every time. */
function agreesWithFullCodec(encoderFor: (type: ColumnType) => WireValueEncoder) {
  const encoders = new Map(TYPES.map((t) => [t, encoderFor(t)]))
  return fc.property(typedValue, ([t, v]) => {
    expect(outcome(() => encoders.get(t)!(v))).toEqual(outcome(() => encodeWireValue(v, t)))
  })
}

const RUNS = { numRuns: 20_000, seed: 20261205 }

describe('the fast encoding path', () => {
  it('gives exactly what encodeWireValue gives, value or error, for every column type', () => {
    fc.assert(agreesWithFullCodec(wireValueEncoder), RUNS)
  })

  it('gives values with nothing to escape for XML wherever they are said to be plain', () => {
    let plain = 0
    fc.assert(
      fc.property(typedValue, ([t, v]) => {
        if (!wireValueIsPlainXml(t, v)) return
        const result = outcome(() => wireValueEncoder(t)(v))
        if (!('value' in result) || result.value === null) return
        plain++
        expect(escapeXml(result.value)).toBe(result.value)
      }),
      RUNS,
    )
    expect(plain).toBeGreaterThan(2_000)
    // Text can hold anything, and so can text passed through for an integer column.
    expect(wireValueIsPlainXml(type('nvarchar(50)'), '[I:1]')).toBe(false)
    expect(wireValueIsPlainXml(type('int'), '<1>')).toBe(false)
    expect(wireValueIsPlainXml(type('int'), 7)).toBe(true)
  })

  it('sees the common shapes often enough for the comparison to mean something', () => {
    const counts = { dateTime: 0, integer: 0, text: 0, refused: 0 }
    fc.assert(
      fc.property(typedValue, ([t, v]) => {
        const result = outcome(() => encodeWireValue(v, t))
        if ('error' in result) counts.refused++
        else if (DATE_KINDS.has(t.kind) && typeof v === 'string' && v.length === 27) counts.dateTime++
        else if (t.kind === 'integer' && (typeof v === 'number' || typeof v === 'bigint')) counts.integer++
        else if (t.kind === 'string' && typeof v === 'string') counts.text++
      }),
      RUNS,
    )
    expect(counts.dateTime).toBeGreaterThan(2_000)
    expect(counts.integer).toBeGreaterThan(2_000)
    expect(counts.text).toBeGreaterThan(300)
    expect(counts.refused).toBeGreaterThan(1_000)
  })

  it('takes the common shapes', () => {
    const encode = (v: CellValue, t: string) => wireValueEncoder(type(t))(v)
    expect(encode('2024-02-29 23:59:59.1234567', 'datetime')).toBe('[DT:02/29/2024 23:59:59.1234567]')
    expect(encode('0001-01-01 00:00:00.0000000', 'datetime2(7)')).toBe('[DT:01/01/0001 00:00:00.0000000]')
    expect(encode(-42, 'int')).toBe('[I:-42]')
    expect(encode(-32768, 'smallint')).toBe('[S:-32768]')
    expect(encode(9007199254740993n, 'bigint')).toBe('[I:9007199254740993]')
    expect(encode('', 'nvarchar(255)')).toBe('')
    expect(encode(null, 'datetime')).toBeNull()
    expect(() => encode('2024-02-29T23:59:59.1234567', 'datetime')).toThrow(TypeError)
    expect(() => encode('2024-02-29 23:59:59.123456٣', 'datetime')).toThrow(TypeError)
  })

  /** A fast datetime path that rearranges 27-character text it lets through `accepts`. */
  const rearranging =
    (accepts: (c: number, separator: string) => boolean) =>
    (t: ColumnType): WireValueEncoder => {
      const real = wireValueEncoder(t)
      const shape = '0000-00-00 00:00:00.0000000'
      return (v) =>
        DATE_KINDS.has(t.kind) &&
        typeof v === 'string' &&
        v.length === 27 &&
        [...shape].every((want, i) => accepts(v.charCodeAt(i), want === '0' ? '' : want))
          ? `[DT:${v.slice(5, 7)}/${v.slice(8, 10)}/${v.slice(0, 4)} ${v.slice(11)}]`
          : real(v)
    }

  /** Each a plausible mistake in a fast path; the property above must catch every one. */
  const BROKEN: Record<string, (type: ColumnType) => WireValueEncoder> = {
    'rearranges a datetime without checking it': rearranging(() => true),
    'checks the digits but not the separators': rearranging((c, sep) => sep !== '' || (c >= 48 && c <= 57)),
    'takes / or : for a digit': rearranging((c, sep) => (sep === '' ? c >= 47 && c <= 58 : c === sep.charCodeAt(0))),
    'takes any Unicode digit': rearranging((c, sep) =>
      sep === '' ? /\p{Nd}/u.test(String.fromCharCode(c)) : c === sep.charCodeAt(0),
    ),
    'swaps day and month': (t) => {
      const real = wireValueEncoder(t)
      return (v) => {
        const e = real(v)
        return e?.startsWith('[DT:') ? `[DT:${e.slice(7, 9)}/${e.slice(4, 6)}${e.slice(9)}` : e
      }
    },
    'drops the last fraction digit': (t) => {
      const real = wireValueEncoder(t)
      return (v) => {
        const e = real(v)
        return e?.length === 32 && e.startsWith('[DT:') ? `${e.slice(0, 30)}0]` : e
      }
    },
    'marks a smallint [I:]': (t) =>
      t.kind === 'integer' ? (v) => encodeWireValue(v, { kind: 'integer', size: 'int' }) : wireValueEncoder(t),
    'writes a bigint through Number': (t) => {
      const real = wireValueEncoder(t)
      return (v) => (typeof v === 'bigint' && t.kind === 'integer' ? real(Number(v)) : real(v))
    },
    'writes an integer through | 0': (t) => {
      const real = wireValueEncoder(t)
      return (v) => (typeof v === 'number' && t.kind === 'integer' ? real(v | 0) : real(v))
    },
    'sends an empty string as NULL': (t) => {
      const real = wireValueEncoder(t)
      return (v) => (v === '' ? null : real(v))
    },
    'takes a date-only value as midnight without the codec': (t) => {
      const real = wireValueEncoder(t)
      return (v) =>
        DATE_KINDS.has(t.kind) && typeof v === 'string' && v.length === 10 ? real(`${v} 00:00:00.000000`) : real(v)
    },
  }

  for (const [mistake, encoderFor] of Object.entries(BROKEN)) {
    it(`would catch a fast path that ${mistake}`, () => {
      const result = fc.check(agreesWithFullCodec(encoderFor), RUNS)
      expect(result.failed).toBe(true)
    })
  }
})
