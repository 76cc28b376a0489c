import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalValue, fastCanonical } from '../../../src/adapters/task/sources/source-values.ts'
import { sqlServerType } from '../../support/schemas.ts'

const type = sqlServerType
const pad = (n: number, width: number) => String(n).padStart(width, '0')
const TYPES = ['datetime', 'datetime2(7)', 'date', 'datetimeoffset', 'smalldatetime'].map(type)

/** Dates as engines print them, with the edges moved around: day 0 and 31, hour 24, Feb 29. */
const printed = fc
  .tuple(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 60 }),
    fc.option(fc.integer({ min: 0, max: 9_999_999 }), { nil: undefined }),
    fc.constantFrom(' ', 'T', 't'),
  )
  .map(
    ([y, mo, d, h, mi, s, f, sep]) =>
      `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${sep}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${f === undefined ? '' : `.${pad(f, 7)}`}`,
  )

describe('source values: the fast reading of plain datetimes', () => {
  it('gives what the general parser gives (the same text with a trailing space goes that way)', () => {
    fc.assert(
      fc.property(printed, fc.constantFrom(...TYPES), (text, column) => {
        expect(canonicalValue(text, column)).toEqual(canonicalValue(`${text} `, column))
      }),
      { numRuns: 10_000 },
    )
  })

  it('gives what the general parser gives with any one character changed (a separator, a digit, a letter)', () => {
    const changed = fc
      .tuple(printed, fc.nat(), fc.constantFrom(...'0123456789-:. T/x,+'))
      .map(([text, at, ch]) => text.slice(0, at % text.length) + ch + text.slice((at % text.length) + 1))
    fc.assert(
      fc.property(changed, fc.constantFrom(...TYPES), (text, column) => {
        expect(canonicalValue(text, column)).toEqual(canonicalValue(`${text} `, column))
      }),
      { numRuns: 10_000 },
    )
  })

  it('reads integers from numbers with the ranges of their column, never -0', () => {
    expect(canonicalValue(255, type('tinyint'))).toEqual({ ok: true, value: 255 })
    expect(canonicalValue(256, type('tinyint'))).toEqual({ ok: false, error: 'is out of range for tinyint' })
    expect(canonicalValue(-32769, type('smallint'))).toEqual({ ok: false, error: 'is out of range for smallint' })
    expect(canonicalValue(2147483647, type('int'))).toEqual({ ok: true, value: 2147483647 })
    expect(canonicalValue(2147483648, type('int'))).toEqual({ ok: false, error: 'is out of range for int' })
    expect(Object.is((canonicalValue(-0, type('int')) as { value: number }).value, 0)).toBe(true)
    expect(canonicalValue(1.5, type('int'))).toEqual({ ok: false, error: 'is not an integer' })
    expect(canonicalValue(5, type('bigint'))).toEqual({ ok: true, value: 5n })
  })

  it('reads the common cases per column exactly as the general reading does, and leaves it the rest', () => {
    const columns = [
      'tinyint',
      'smallint',
      'int',
      'bigint',
      'nvarchar(5)',
      'nvarchar(max)',
      'ntext',
      'xml',
      'datetime',
      'smalldatetime',
      'datetime2(7)',
      'date',
      'datetimeoffset',
      'time',
      'bit',
      'float',
      'decimal(10,2)',
      'uniqueidentifier',
      'varbinary(4)',
    ]
    const values = fc.oneof(
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
      fc.bigInt({ min: -300n, max: 70_000n }),
      fc.constantFrom(255n, 256n, -1n, 0n, 32767n, 32768n, -32769n, 2147483647n, 2147483648n, -2147483649n),
      fc.constantFrom(2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n),
      fc.integer(),
      fc.double(),
      fc.constantFrom(-0, 2147483648, -2147483649, 32768, 256, -1, 1.5, Number.NaN),
      fc.string({ maxLength: 8 }),
      printed,
      printed.map((t) => t.slice(0, 19)),
      fc.constantFrom(
        '2024-02-30 00:00:00',
        '2024-01-02 03:04:05.1234567',
        '0000-01-01 00:00:00',
        '2024-01-02T03:04:05',
      ),
      fc.boolean(),
      fc.uint8Array({ maxLength: 6 }),
    )
    fc.assert(
      fc.property(fc.constantFrom(...columns), values, (name, value) => {
        const column = type(name)
        const fast = fastCanonical(column)(value)
        if (fast !== undefined) expect({ ok: true, value: fast }).toEqual(canonicalValue(value, column))
      }),
      { numRuns: 20_000 },
    )
    // The common cases are taken, not left to the general reading.
    expect(fastCanonical(type('int'))(7n)).toBe(7)
    expect(fastCanonical(type('bigint'))(7n)).toBe(7n)
    expect(fastCanonical(type('nvarchar(5)'))('abc')).toBe('abc')
    expect(fastCanonical(type('datetime'))('2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05.0000000')
    expect(fastCanonical(type('datetime2(7)'))('2024-01-02 03:04:05.1234567')).toBe('2024-01-02 03:04:05.1234567')
    expect(fastCanonical(type('datetime'))('2024-01-02T03:04:05')).toBe('2024-01-02 03:04:05.0000000')
    expect(fastCanonical(type('datetimeoffset'))('2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05.0000000+00:00')
    expect(fastCanonical(type('date'))('2024-01-02 03:04:05')).toBe('2024-01-02')
    expect(fastCanonical(type('int'))(2n ** 40n)).toBeUndefined()
  })
})
