import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { writeRowXml } from '../../../src/adapters/soap/request-writers.ts'
import { RowSlabs } from '../../../src/adapters/task/soap/row-slabs.ts'
import { rowXmlWriter, type SlabRow } from '../../../src/adapters/task/soap/row-xml-bytes.ts'
import type { CellValue } from '../../../src/domain/changes/cell-value.ts'
import type { RowOperation } from '../../../src/domain/changes/change-batch.ts'
import { wireRowOf } from '../../../src/domain/changes/wire-value-encode-fast.ts'
import { buildTableSchema, type TableSchema } from '../../../src/domain/schema/table-schema.ts'
import { canonicalDateTime } from '../../support/temporal-text.ts'

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', 'Grüße 😀 <&>', 'a\rb\u0001c', '\uD800x', 'tab\there', 'line\nend', '~ ', ']]>'),
)

/** Each column type the writer treats apart, and values of the shapes a source hands out (and some it does not). */
const COLUMNS: readonly [string, fc.Arbitrary<CellValue>][] = [
  ['int', fc.oneof(fc.integer(), fc.constantFrom(0, -0, -2147483648, 2147483647))],
  ['smallint', fc.integer({ min: -32768, max: 32767 })],
  ['tinyint', fc.integer({ min: 0, max: 255 })],
  ['bigint', fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
  ['datetime', fc.oneof(canonicalDateTime, fc.constantFrom('2024-01-02 03:04:05.1234567'))],
  ['datetime2(7)', canonicalDateTime],
  ['datetimeoffset', canonicalDateTime.map((v) => `${v}+00:00`)],
  ['date', canonicalDateTime.map((v) => v.slice(0, 10))],
  ['nvarchar(80)', text],
  ['ntext', text],
  ['xml', text],
  ['uniqueidentifier', fc.uuid().map((u) => u.toUpperCase())],
  ['bit', fc.boolean()],
  ['float', fc.double({ noNaN: true, noDefaultInfinity: true })],
  ['decimal(10,2)', fc.constantFrom('-12.50', '0.00', '99999999.99')],
  ['varbinary(max)', fc.uint8Array({ maxLength: 8 })],
]

/** A table of these column types after an int key (`k`, which no row here leaves null). */
function tableOf(types: readonly string[]): TableSchema {
  const built = buildTableSchema({
    name: 't',
    columns: [
      { name: 'k', type: 'int', isNullable: 'false', defaultValue: '' },
      ...types.map((type, i) => ({ name: `c${i}`, type, isNullable: 'true', defaultValue: '' })),
    ],
  })
  if (!built.ok) throw new Error(JSON.stringify(built.error))
  return built.value
}

/** A table of some of the columns and rows of values for it, nulls among them. */
const tableAndRows = fc
  .uniqueArray(fc.integer({ min: 0, max: COLUMNS.length - 1 }), { minLength: 1, maxLength: 8 })
  .chain((picked) =>
    fc.record({
      types: fc.constant(picked.map((i) => COLUMNS[i]![0])),
      rows: fc.array(
        fc.tuple(
          fc.constantFrom<RowOperation>('I', 'U', 'D'),
          fc.tuple(fc.integer(), ...picked.map((i) => fc.option(COLUMNS[i]![1], { nil: null, freq: 6 }))),
        ),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  )

const bytesOf = (row: SlabRow) => row.slab.buffer.subarray(row.start, row.start + row.bytes)

describe('RowData XML written straight into slabs', () => {
  it('is byte for byte what the row’s wire values make through the text writer', () => {
    const slabs = new RowSlabs(64 * 1024)
    fc.assert(
      fc.property(tableAndRows, ({ types, rows }) => {
        const table = tableOf(types)
        const write = rowXmlWriter(table, slabs)
        for (const [operation, values] of rows) {
          const written = write(operation, values)
          expect(written).toBeDefined()
          const expected = Buffer.from(writeRowXml(wireRowOf(table, operation, values)))
          expect(bytesOf(written!).toString('latin1')).toBe(expected.toString('latin1'))
          slabs.release(written!.slab, 1)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('writes rows one after another, starts a new slab when one is full, and leaves a row too big for any', () => {
    const slabs = new RowSlabs(4096)
    const table = tableOf(['nvarchar(max)'])
    const write = rowXmlWriter(table, slabs)
    const first = write('I', [1, 'a'.repeat(500)])!
    const second = write('I', [2, 'b'.repeat(500)])!
    expect(second.slab).toBe(first.slab)
    expect(second.start).toBe(first.start + first.bytes)
    // Escaped, 600 characters could take 3,000 bytes: the slab holds about 2,900 more.
    const third = write('I', [3, 'c'.repeat(600)])!
    expect(third.slab).not.toBe(first.slab)
    expect(third.start).toBe(0)
    expect(write('I', [4, 'd'.repeat(900)])).toBeUndefined()
    expect(bytesOf(first).toString()).toContain(`<b:string>${'a'.repeat(500)}</b:string>`)
  })

  it('uses a slab again only once every row written into it has been copied out', () => {
    const slabs = new RowSlabs(4096, 2)
    const table = tableOf(['nvarchar(max)'])
    const write = rowXmlWriter(table, slabs)
    const a = write('I', [1, 'x'.repeat(700)])!
    const b = write('I', [2, 'y'.repeat(10)])!
    const c = write('I', [3, 'z'.repeat(700)])!
    expect(c.slab).not.toBe(a.slab)
    expect(slabs.waiting).toBe(0)
    slabs.release(a.slab, 1)
    expect(slabs.waiting).toBe(0)
    slabs.release(b.slab, 1)
    expect(slabs.waiting).toBe(1)
    // The current slab fills; the one given back is taken again, under a new generation.
    const d = write('I', [4, 'w'.repeat(700)])!
    expect(d.slab).toBe(a.slab)
    expect(d.generation).not.toBe(a.generation)
    expect(slabs.waiting).toBe(0)
  })
})
