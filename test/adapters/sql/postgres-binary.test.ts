import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import fc from 'fast-check'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { binaryCopySpans } from '../../../src/adapters/sql/dialects/postgres/postgres-binary.ts'
import { COPY_TEXT } from '../../../src/adapters/sql/dialects/postgres/postgres-copy.ts'
import { renderPostgresType } from '../../../src/adapters/sql/dialects/postgres/postgres-types.ts'
import { tabSeparatedSpans } from '../../../src/adapters/sql/tab-separated-spans.ts'
import type { TableSchema } from '../../../src/domain/schema/table-schema.ts'
import { column, schemaOf, spannedRows } from '../../../src/testing/table-fixtures.ts'
import { POSTGRES_URL } from '../../support/servers.ts'

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** `[DT:…]` of a date and time, the fraction's seven digits given. */
const wireDateTime = (y: number, m: number, d: number, second: number, fraction: number) =>
  `[DT:${pad(m, 2)}/${pad(d, 2)}/${pad(y, 4)} ${pad(Math.floor(second / 3600), 2)}:${pad(Math.floor(second / 60) % 60, 2)}:${pad(second % 60, 2)}.${pad(fraction, 7)}]`

const dateTimeIn = (minYear: number, maxYear: number) =>
  fc
    .tuple(
      fc.integer({ min: minYear, max: maxYear }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 0, max: 86_399 }),
      fc.integer({ min: 0, max: 9_999_999 }),
    )
    .map(([y, m, d, s, f]) => wireDateTime(y, m, d, s, f))

/** Valid wire values of each type the binary writer takes, within the fast path's ranges. */
const TYPES: [string, fc.Arbitrary<string>][] = [
  ['int', fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => `[I:${n}]`)],
  ['smallint', fc.integer({ min: -32768, max: 32767 }).map((n) => `[S:${n}]`)],
  ['tinyint', fc.integer({ min: 0, max: 255 }).map((n) => `[I:${pad(n, 3)}]`)],
  ['bigint', fc.maxSafeInteger().map((n) => `[L:${n}]`)],
  ['datetime', dateTimeIn(1754, 9998)],
  ['smalldatetime', dateTimeIn(1902, 2077)],
  ['datetime2(7)', dateTimeIn(1, 9999)],
  ['datetime2(3)', dateTimeIn(1, 9999)],
  ['datetime2(0)', dateTimeIn(1, 9999)],
  ['nvarchar(12)', fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\t', ' '), maxLength: 6 })],
  [
    'nvarchar(max)',
    fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', 'é', '€', '😀', 'z'), maxLength: 90 }),
  ],
  ['ntext', fc.string({ unit: 'grapheme-composite', maxLength: 40 })],
  ['xml', fc.constantFrom('<a>b</a>', 'plain', '')],
  ['nchar(5)', fc.string({ unit: fc.constantFrom('a', 'é', ' ', '😀'), maxLength: 2 })],
  ['varchar(max)', fc.string({ unit: 'grapheme-ascii', maxLength: 30 })],
]

const tableOf = (types: readonly string[]) =>
  schemaOf({ name: 't', columns: [column('id', 'int', 'false'), ...types.map((type, i) => column(`c${i}`, type))] })

const rowsOf = (values: readonly (readonly (string | null)[])[]) =>
  spannedRows(values.map((row, i) => ({ operation: 'I', values: [`[I:${i}]`, ...row] })))

/** Microseconds since 2000-01-01 of `[DT:…]`'s first six fractional digits, counted with Date and BigInt. */
function expectedMicros(wire: string): bigint {
  const [, m, d, y, h, n, s, f] = /^\[DT:(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{7})\]$/
    .exec(wire)!
    .map(Number)
  const date = new Date(Date.UTC(2000, m! - 1, d!, h!, n!, s!))
  date.setUTCFullYear(y!)
  const ms = BigInt(date.getTime() - Date.UTC(2000, 0, 1))
  return ms * 1000n + BigInt(Math.floor(f! / 10))
}

describe('binaryCopySpans', () => {
  it("writes COPY's binary format: header, field counts, lengths, big-endian values, -1 for NULL, the trailer", () => {
    const table = tableOf(['smallint', 'bigint', 'nvarchar(5)', 'datetime2(7)'])
    const rows = rowsOf([
      ['[S:-2]', '[L:4294967297]', 'é', '[DT:01/01/2000 00:00:01.0000019]'],
      [null, null, '', null],
    ])
    const bytes = Buffer.concat(binaryCopySpans(table, rows)!)
    const expected = Buffer.concat([
      Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]),
      // Row 1: five fields; id 0 as int4, -2 as int2, 2^32 + 1 as int8, 'é' in UTF-8, 1.000001 s.
      Buffer.from([0, 5, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xfe]),
      Buffer.from([0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xc3, 0xa9]),
      Buffer.from([0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x41]),
      // Row 2: id 1, NULL, NULL, the empty string (length 0, not NULL), NULL.
      Buffer.from([0, 5, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ])
    expect(bytes.toString('hex')).toBe(expected.toString('hex'))
  })

  it('counts a datetime as microseconds since 2000-01-01 exactly, in every year the types take', () => {
    fc.assert(
      fc.property(dateTimeIn(1, 9999), (wire) => {
        const bytes = Buffer.concat(binaryCopySpans(tableOf(['datetime2(7)']), rowsOf([[wire]]))!)
        // Header 19, field count 2, id 8, the datetime's length 4: its value at 33.
        expect(bytes.readBigInt64BE(33)).toBe(expectedMicros(wire))
      }),
      { numRuns: 3_000, seed: 20261207 },
    )
  })

  it('takes nothing it cannot write as the text path would: other types, values off the fast path, text too long', () => {
    const one = (type: string, value: string) => binaryCopySpans(tableOf([type]), rowsOf([[value]]))
    expect(one('bit', '[I:1]')).toBeUndefined()
    expect(one('decimal(5,2)', '[D:1.5]')).toBeUndefined()
    expect(one('int', '[I:2147483648]')).toBeUndefined()
    expect(one('int', '7')).toBeUndefined()
    expect(one('datetime', '[DT:02/30/2020 10:40:43.0000000]')).toBeUndefined()
    expect(one('datetime', '[DT:12/31/1752 00:00:00.0000000]')).toBeUndefined()
    expect(one('nvarchar(3)', 'abcd')).toBeUndefined()
    expect(one('nvarchar(4)', 'abcd')).toBeDefined()
  })
})

describe('binaryCopySpans against PostgreSQL', () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  beforeAll(() => client.connect())
  afterAll(() => client.end())

  const load = async (table: TableSchema, name: string, lines: Buffer[], binary: boolean) => {
    const columns = table.columns.map((c) => `"${c.name}" ${renderPostgresType(c.type)}`).join(', ')
    await client.query(`create temp table ${name} (${columns})`)
    const format = binary ? ' (format binary)' : ''
    await pipeline(
      Readable.from(lines, { objectMode: false }),
      client.query(copyFrom(`copy ${name} from stdin${format}`)),
    )
  }

  it('loads exactly what the text format loads, for every type it takes', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 6 }).chain((types) =>
          fc.tuple(
            fc.constant(types),
            fc.array(fc.tuple(...types.map(([, values]) => fc.option(values, { freq: 5 }))), {
              minLength: 1,
              maxLength: 20,
            }),
            fc.constantFrom(48, 65_536),
          ),
        ),
        async ([types, values, size]) => {
          const table = tableOf(types.map(([type]) => type))
          const rows = rowsOf(values.map((row) => row.map((v) => v ?? null)))
          const binary = binaryCopySpans(table, rows, size)
          const text = tabSeparatedSpans(table, rows, COPY_TEXT)
          // Both refuse the same values (a bigint of 16 digits and a sign, say), and those are decoded instead.
          expect(binary === undefined).toBe(text === undefined)
          if (!binary || !text) return
          run++
          await load(table, `b${run}`, binary, true)
          await load(table, `t${run}`, text, false)
          const read = async (name: string) =>
            (await client.query({ text: `select * from ${name} order by id`, rowMode: 'array' })).rows.map((row) =>
              (row as unknown[]).map((v) => (v instanceof Date ? v.toISOString() : v)),
            )
          const fromText = await read(`t${run}`)
          expect(fromText).toHaveLength(values.length)
          expect(await read(`b${run}`)).toEqual(fromText)
          // Timestamps past JavaScript's Date range come back as text: compared as the server prints them.
          const printed = async (name: string) =>
            (await client.query(`select ${name}::text as row from ${name} order by id`)).rows.map((r) => r.row)
          expect(await printed(`b${run}`)).toEqual(await printed(`t${run}`))
        },
      ),
      { numRuns: 150, seed: 20261207 },
    )
    expect(run).toBeGreaterThan(100)
  })
})
