import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LOAD_TEXT } from '../../../src/adapters/sql/dialects/mysql/mysql-load.ts'
import { COPY_TEXT } from '../../../src/adapters/sql/dialects/postgres/postgres-copy.ts'
import { type TextFormat, tabSeparatedBuffers } from '../../../src/adapters/sql/tab-separated-buffers.ts'
import type { CellValue } from '../../../src/domain/changes/cell-value.ts'
import { buildTableSchema, type TableSchema } from '../../../src/domain/schema/table-schema.ts'

function table(types: readonly string[]): TableSchema {
  const built = buildTableSchema({
    name: 't',
    columns: types.map((type, i) => ({
      name: `c${i}`,
      type,
      isNullable: i === 0 ? 'false' : 'true',
      defaultValue: '',
    })),
  })
  if (!built.ok) throw new Error('schema')
  return built.value
}

/** The text format spelled the plain way: a string per field, replace for the escapes, joins. */
function reference(rows: readonly (readonly (string | number | null)[])[], escapeNul: boolean): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters LOAD DATA escapes.
  const special = escapeNul ? /[\\\t\n\r\u0000]/g : /[\\\t\n\r]/g
  const letter: Record<string, string> = { '\\': '\\', '\t': 't', '\n': 'n', '\r': 'r', '\u0000': '0' }
  return rows
    .map(
      (row) =>
        `${row.map((v) => (v === null ? '\\N' : String(v).replace(special, (c) => `\\${letter[c]}`))).join('\t')}\n`,
    )
    .join('')
}

const asIs: (escapeNul: boolean) => TextFormat = (escapeNul) => ({
  escapeNul,
  field: (value) => value as string | number | null,
})

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', '\u0000', 'é', '€', '😀', '\ud800'), maxLength: 90 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
)
const field = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true }),
  // The longest texts numbers have: fixed notation just above 1e-6, 21-digit integers.
  fc.double({ min: 1e-6, max: 1e-5 }).map((n) => -n),
  fc.constantFrom(-0, -0.0000011115219674695403, -123456789012345680000, -1.2345678901234567e-308),
  text,
)

describe('tabSeparatedBuffers', () => {
  it('writes what a string per field, escaped and joined, encodes to, in any chunk size', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((width) =>
            fc.tuple(
              fc.constant(width),
              fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 20 }),
              fc.constantFrom(8, 64, 65_536),
              fc.boolean(),
            ),
          ),
        ([width, rows, size, escapeNul]) => {
          const chunks = Array.from(
            tabSeparatedBuffers(
              table(Array(width).fill('nvarchar(4000)')),
              rows as CellValue[][],
              asIs(escapeNul),
              size,
            ),
          )
          expect(Buffer.concat(chunks).equals(Buffer.from(reference(rows, escapeNul)))).toBe(true)
          // A chunk is one write: it holds at most `size` bytes unless one field alone is larger.
          for (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('keeps chunks near their size and never writes a buffer again once handed out', () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => [i, `name ${i}\twith a tab`, i % 3 === 0 ? null : -i * 7])
    const chunks = Array.from(tabSeparatedBuffers(table(['int', 'nvarchar(50)', 'int']), rows, asIs(false), 4_096))
    expect(chunks.length).toBeGreaterThan(20)
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThan(4_096 - 200)
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(4_096)
    expect(Buffer.concat(chunks).toString()).toBe(reference(rows, false))
  })

  it("spells booleans, bytes and bigints as COPY reads them, and NUL as LOAD DATA's \\0", () => {
    const copy = Buffer.concat([
      ...tabSeparatedBuffers(
        table(['bit', 'varbinary(10)', 'bigint', 'nvarchar(10)']),
        [[true, new Uint8Array([1, 255]), 2n ** 60n, 'a\\b']],
        COPY_TEXT,
      ),
    ]).toString()
    expect(copy).toBe('t\t\\\\x01ff\t1152921504606846976\ta\\\\b\n')
    const load = Buffer.concat([
      ...tabSeparatedBuffers(table(['bit', 'nvarchar(10)', 'int']), [[false, 'x\u0000y', null]], LOAD_TEXT),
    ]).toString()
    expect(load).toBe('0\tx\\0y\t\\N\n')
  })
})
