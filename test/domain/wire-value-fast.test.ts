import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeWireValue } from '../../src/domain/changes/wire-value.ts'
import {
  decodeWireSpanFast,
  decodeWireValueFast,
  fitsWireSpanFast,
  NOT_FAST,
  writeWireSpanFast,
} from '../../src/domain/changes/wire-value-fast.ts'
import { sqlServerType } from '../support/schemas.ts'

const typeOf = sqlServerType

const TYPES = [
  'int',
  'smallint',
  'tinyint',
  'bigint',
  'datetime',
  'smalldatetime',
  'datetime2(7)',
  'datetime2(3)',
  'nvarchar(10)',
  'varchar(max)',
  'ntext',
  'date',
  'bit',
  'decimal(10,2)',
].map(typeOf)

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** Mostly well-formed wire values, with the edges moved around: out-of-range parts, signs, lengths. */
const wireValue = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('I', 'S', 'L', 'F', 'X'),
      fc.oneof(
        fc.integer({ min: -300, max: 70_000 }),
        fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
        fc.constantFrom(9007199254740991n, 9007199254740992n, -9007199254740993n, 2147483648n, -0),
      ),
      fc.constantFrom('', '+', '0', ' '),
    )
    .map(([m, n, prefix]) => `[${m}:${prefix}${String(n)}]`),
  fc
    .tuple(
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.constantFrom(1, 1752, 1753, 1899, 1900, 1901, 2000, 2078, 2079, 2080, 2024, 9999),
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 9_999_999 }),
      fc.constantFrom('', ' +02:00', '-05:00'),
    )
    .map(
      ([mo, d, y, h, mi, s, f, off]) =>
        `[DT:${pad(mo, 2)}/${pad(d, 2)}/${pad(y, 4)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(f, 7)}${off}]`,
    ),
  fc.string({ maxLength: 14 }),
  // A valid datetime with one character anywhere replaced: a digit, a separator or anything else.
  fc
    .tuple(fc.integer({ min: 0, max: 31 }), fc.constantFrom('0', '9', 'a', ' ', '/', ':', '.', '-', '\u0660'))
    .map(([at, c]) => {
      const valid = '[DT:02/29/2024 23:59:59.1234567]'
      return valid.slice(0, at) + c + valid.slice(at + 1)
    }),
  fc.constant(null),
)

describe('the fast decoding path', () => {
  it('gives exactly what the full codec gives, or steps aside', () => {
    let taken = 0
    fc.assert(
      fc.property(wireValue, fc.constantFrom(...TYPES), (raw, type) => {
        const fast = decodeWireValueFast(raw, type)
        if (fast === NOT_FAST) return
        taken++
        expect(decodeWireValue(raw, type)).toEqual({ ok: true, value: fast })
      }),
      { numRuns: 20_000, seed: 20261125 },
    )
    // The comparison means something only if the fast path took a good share of the values.
    expect(taken).toBeGreaterThan(5_000)
  })

  it('reads a value in place within any text exactly as it reads the value alone', () => {
    fc.assert(
      fc.property(
        wireValue.filter((raw) => raw !== null),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.constantFrom(...TYPES),
        (raw, before, after, type) => {
          const text = before + raw + after
          const start = before.length
          expect(decodeWireSpanFast(text, start, start + raw!.length, type)).toEqual(decodeWireValueFast(raw, type))
        },
      ),
      { numRuns: 20_000, seed: 20261206 },
    )
  })

  it('checks and writes a value in place exactly as it decodes it', () => {
    let written = 0
    fc.assert(
      fc.property(
        wireValue.filter((raw) => raw !== null),
        fc.string({ maxLength: 10 }),
        fc.constantFrom(...TYPES),
        fc.integer({ min: 0, max: 8 }),
        (raw, before, type, pos) => {
          const text = before + raw + before
          const start = before.length
          const end = start + raw!.length
          const fast = decodeWireSpanFast(text, start, end, type)
          expect(fitsWireSpanFast(text, start, end, type)).toBe(fast !== NOT_FAST)
          const out = new Uint8Array(40).fill(33)
          const at = writeWireSpanFast(text, start, end, type, out, pos)
          const fixedForm = type.kind === 'integer' || type.kind === 'datetime' || type.kind === 'datetime2'
          if (!fixedForm || fast === NOT_FAST) {
            expect(at).toBe(-1)
            return
          }
          written++
          expect(Buffer.from(out.subarray(pos, at)).toString('latin1')).toBe(String(fast))
          // Nothing is written outside the value's place.
          expect(out.subarray(0, pos).every((b) => b === 33) && out.subarray(at).every((b) => b === 33)).toBe(true)
        },
      ),
      { numRuns: 20_000, seed: 20261207 },
    )
    expect(written).toBeGreaterThan(300)
  })

  it('takes the common shapes', () => {
    expect(decodeWireValueFast('[I:-42]', typeOf('int'))).toBe(-42)
    expect(decodeWireValueFast('[L:9007199254740991]', typeOf('bigint'))).toBe(9007199254740991n)
    expect(decodeWireValueFast('[DT:02/29/2024 23:59:59.1234567]', typeOf('datetime'))).toBe(
      '2024-02-29 23:59:59.1234567',
    )
    expect(decodeWireValueFast('[DT:02/29/2023 00:00:00.0000000]', typeOf('datetime'))).toBe(NOT_FAST)
    expect(decodeWireValueFast('[DX:02/29/2024 23:59:59.1234567]', typeOf('datetime'))).toBe(NOT_FAST)
    expect(decodeWireValueFast('(DT:02/29/2024 23:59:59.1234567]', typeOf('datetime'))).toBe(NOT_FAST)
    expect(decodeWireValueFast('[I:256]', typeOf('tinyint'))).toBe(NOT_FAST)
    expect(decodeWireValueFast('abcdefghijk', typeOf('nvarchar(10)'))).toBe(NOT_FAST)
  })
})
