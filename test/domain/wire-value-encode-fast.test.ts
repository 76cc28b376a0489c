import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatWireDateTime, parseCanonical } from '../../src/domain/changes/temporal.ts'
import { encodeWireValue } from '../../src/domain/changes/wire-value.ts'
import { sqlServerType } from '../support/schemas.ts'

const type = sqlServerType
const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** Canonical date, datetime and datetimeoffset values (cell-value.ts), any year, any fraction. */
const canonical = fc
  .tuple(
    fc.integer({ min: 1, max: 9999 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 9_999_999 }),
    fc.option(fc.integer({ min: -14 * 60, max: 14 * 60 }), { nil: undefined }),
    fc.constantFrom('date', 'datetime', 'offset'),
  )
  .map(([y, mo, d, h, mi, s, f, offset, shape]) => {
    const date = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`
    if (shape === 'date') return { value: date, type: type('date') }
    const time = `${date} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(f, 7)}`
    if (shape === 'datetime') return { value: time, type: type('datetime2(7)') }
    const o = offset ?? 0
    const zone = `${o < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(o) / 60), 2)}:${pad(Math.abs(o) % 60, 2)}`
    return { value: `${time}${zone}`, type: type('datetimeoffset') }
  })

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
