import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalValue } from '../../../src/adapters/task/sources/source-values.ts'
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
})
