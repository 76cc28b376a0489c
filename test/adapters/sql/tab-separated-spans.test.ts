import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LOAD_TEXT } from '../../../src/adapters/sql/dialects/mysql/mysql-load.ts'
import { COPY_TEXT } from '../../../src/adapters/sql/dialects/postgres/postgres-copy.ts'
import { tabSeparatedBuffers } from '../../../src/adapters/sql/tab-separated-buffers.ts'
import { spanEncoder, tabSeparatedSpans, textSpans } from '../../../src/adapters/sql/tab-separated-spans.ts'
import { decodeBatch } from '../../../src/domain/changes/change-batch.ts'
import { column, schemaOf, spannedRows } from '../../../src/testing/table-fixtures.ts'

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** A valid wire value of each type, the fast path's shapes and some it leaves to the full codec. */
const VALUES: Record<string, fc.Arbitrary<string>> = {
  int: fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => `[I:${n}]`),
  smallint: fc.integer({ min: -32768, max: 32767 }).map((n) => `[S:${n}]`),
  tinyint: fc.integer({ min: 0, max: 255 }).map((n) => `[I:${pad(n, 3)}]`),
  bigint: fc.maxSafeInteger().map((n) => `[L:${n}]`),
  datetime: fc
    .tuple(
      fc.integer({ min: 1754, max: 9998 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 0, max: 86_399 }),
      fc.integer({ min: 0, max: 9_999_999 }),
    )
    .map(
      ([y, m, d, s, f]) =>
        `[DT:${pad(m, 2)}/${pad(d, 2)}/${pad(y, 4)} ${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}.${pad(f, 7)}]`,
    ),
  text: fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', 'é', '€', '😀'), maxLength: 90 }),
  ),
  bit: fc.constantFrom('[I:1]', '[I:0]'),
}
const TYPES: [string, string][] = [
  ['int', 'int'],
  ['smallint', 'smallint'],
  ['tinyint', 'tinyint'],
  ['bigint', 'bigint'],
  ['datetime', 'datetime'],
  ['datetime2(7)', 'datetime'],
  ['datetime2(3)', 'datetime'],
  ['datetime2(0)', 'datetime'],
  ['nvarchar(max)', 'text'],
  ['varchar(max)', 'text'],
  ['ntext', 'text'],
  ['bit', 'bit'],
]

describe('tabSeparatedSpans', () => {
  it('writes rows left in place exactly as tabSeparatedBuffers writes them decoded, for COPY and LOAD DATA', () => {
    let written = 0
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 5 }).chain((types) =>
          fc.tuple(
            fc.constant(types),
            fc.array(fc.tuple(...types.map(([, values]) => fc.option(VALUES[values]!, { freq: 5 }))), {
              maxLength: 12,
            }),
            fc.constantFrom(32, 64, 65_536),
            fc.constantFrom(COPY_TEXT, LOAD_TEXT),
          ),
        ),
        ([types, values, size, format]) => {
          const table = schemaOf({
            name: 't',
            columns: [column('id', 'int', 'false'), ...types.map(([type], i) => column(`c${i}`, type))],
          })
          const rows = spannedRows(
            values.map((row, i) => ({ operation: 'I', values: [`[I:${i}]`, ...row.map((v) => v ?? null)] })),
          )
          const decoded = decodeBatch({ table: { name: 't', columns: [] }, lsn: '1', rows }, table, { inPlace: true })
          if (!decoded.ok) throw new Error(decoded.error.kind)
          const spans = decoded.value.inPlace && tabSeparatedSpans(table, decoded.value.inPlace, format, size)
          const buffers = tabSeparatedBuffers(table, decoded.value.upserts, format, size)
          if (types.some(([type]) => type === 'bit')) {
            expect(spans).toBeUndefined()
            return
          }
          if (!spans) return
          written++
          expect(Buffer.concat(spans).toString('utf8')).toBe(Buffer.concat(buffers).toString('utf8'))
          expect(spans.every((chunk) => chunk.length <= Math.max(size, 32 + 3 * 90))).toBe(true)
        },
      ),
      { numRuns: 2_000, seed: 20261207 },
    )
    expect(written).toBeGreaterThan(500)
  })

  it('as the encoder of a call, takes a batch exactly when every value is of the fast path, and writes it the same', () => {
    // Valid values, and some the fast path refuses: a seventh-of-a-second too many, the 30th of
    // February, an int out of range, text past its column's length.
    const value = {
      int: fc.oneof({ weight: 12, arbitrary: VALUES.int! }, fc.constantFrom('[I:2147483648]', '[I:1.5]', '7')),
      datetime: fc.oneof(
        { weight: 12, arbitrary: VALUES.datetime! },
        fc.constantFrom('[DT:02/30/2020 10:40:43.0000000]', '[DT:5/18/2020]'),
      ),
      short: fc.string({ unit: fc.constantFrom('a', '\t', 'é', '😀'), maxLength: 6 }),
    }
    const types: [string, keyof typeof value][] = [
      ['int', 'int'],
      ['datetime', 'datetime'],
      ['nvarchar(5)', 'short'],
    ]
    let encoded = 0
    fc.assert(
      fc.property(
        fc.array(fc.tuple(...types.map(([, v]) => fc.option(value[v], { freq: 5 }))), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(COPY_TEXT, LOAD_TEXT),
        fc.constantFrom(1, 4),
        (values, format, threshold) => {
          const table = schemaOf({
            name: 't',
            columns: [column('id', 'int', 'false'), ...types.map(([type], i) => column(`c${i}`, type))],
          })
          const rows = spannedRows(
            values.map((row, i) => ({ operation: 'I', values: [`[I:${i}]`, ...row.map((v) => v ?? null)] })),
          )
          const wire = { table: { name: 't', columns: [] }, lsn: '1', rows }
          const checked = decodeBatch(wire, table, { inPlace: true })
          const folded = decodeBatch(wire, table, { inPlace: true, encode: spanEncoder(textSpans(format), threshold) })
          if (rows.length < threshold) {
            // Too small for the bulk path: checked here, as without an encoder.
            expect(folded).toEqual(checked)
            return
          }
          if (!checked.ok || !checked.value.inPlace) {
            expect(folded).toEqual(checked)
            return
          }
          encoded++
          if (!folded.ok) throw new Error(folded.error.kind)
          const text = tabSeparatedSpans(table, rows, format)!
          expect(Buffer.concat(folded.value.encoded as Buffer[]).toString('utf8')).toBe(
            Buffer.concat(text).toString('utf8'),
          )
          expect(folded.value.upserts).toEqual(checked.value.upserts)
        },
      ),
      { numRuns: 2_000, seed: 20261208 },
    )
    expect(encoded).toBeGreaterThan(200)
  })
})
