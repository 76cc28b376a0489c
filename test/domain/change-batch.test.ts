import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBatch } from '../../src/domain/changes/change-batch.ts'
import type { WireRowBatch, WireRows, WireTableSchema } from '../../src/domain/protocol/messages.ts'
import { buildTableSchema } from '../../src/domain/schema/table-schema.ts'
import { spannedRows } from '../../src/testing/table-fixtures.ts'

const wireTable: WireTableSchema = {
  name: 'invitation',
  columns: [
    { name: 'invitation_id', type: 'int', isNullable: 'false', defaultValue: '' },
    { name: 'registered', type: 'datetime', isNullable: 'false', defaultValue: '' },
    { name: 'organizer_email', type: 'nvarchar(255)', isNullable: 'true', defaultValue: '' },
  ],
}
const schema = (() => {
  const built = buildTableSchema(wireTable)
  if (!built.ok) throw new Error('must build')
  return built.value
})()
const batch = (rows: [string, (string | null)[]][], lsn = '1506269'): WireRowBatch => ({
  table: wireTable,
  lsn,
  rows: rows.map(([operation, values]) => ({ operation, values })),
})
const DT = '[DT:05/18/2020 10:40:43.0000000]'

/** Rows whose values lie in one text among other characters, as a request's are: read in place through `locate`. */
const inPlace = (rows: readonly [string, readonly (string | null)[]][]): WireRows =>
  spannedRows(rows.map(([operation, values]) => ({ operation, values })))

describe('change batches (wire-profile §5)', () => {
  it('decodes values read in place exactly as the same values listed, errors included', () => {
    const value = [
      fc.constantFrom('[I:1]', '[I:2]', '[I:-7]', '[I:007]', '[I:2147483648]', '[S:3]', 'x', null),
      fc.constantFrom(DT, '[DT:02/30/2020 10:40:43.0000000]', '[DT:05/18/2020 10:40:43.0000000+02:00]', '', null),
      fc.oneof(fc.string({ maxLength: 300 }), fc.constant(null)),
    ]
    const row = fc.tuple(fc.constantFrom('I', 'U', 'D', 'X'), fc.tuple(value[0]!, value[1]!, value[2]!))
    fc.assert(
      fc.property(fc.array(row, { maxLength: 8 }), (rows) => {
        const listed = decodeBatch(batch(rows.map(([op, values]) => [op, [...values]])), schema)
        const read = decodeBatch({ table: wireTable, lsn: '1506269', rows: inPlace(rows) }, schema)
        expect(read).toEqual(listed)
      }),
      { numRuns: 3_000, seed: 20261206 },
    )
  })

  it('leaves rows in place only where decoding them gives the same batch, and then gives it when read', () => {
    const value = [
      fc.constantFrom('[I:1]', '[I:2]', '[I:3]', '[I:-7]', '[I:007]', '[I:2147483648]', '[S:3]', 'x', null),
      fc.constantFrom(DT, '[DT:02/30/2020 10:40:43.0000000]', '[DT:05/18/2020 10:40:43.0000000+02:00]', '', null),
      fc.oneof(fc.string({ maxLength: 300 }), fc.constant(null)),
    ]
    const row = fc.tuple(fc.constantFrom('I', 'U', 'U', 'I', 'D', 'X'), fc.tuple(value[0]!, value[1]!, value[2]!))
    let left = 0
    fc.assert(
      fc.property(fc.array(row, { maxLength: 6 }), (rows) => {
        const wire = { table: wireTable, lsn: '1506269', rows: inPlace(rows) }
        const general = decodeBatch(wire, schema)
        const read = decodeBatch(wire, schema, { inPlace: true })
        if (!read.ok || !read.value.inPlace) {
          expect(read).toEqual(general)
          return
        }
        left++
        // Every row an insert or update, each key once: what the general way decodes, in order.
        expect(general.ok).toBe(true)
        const { inPlace: rowsInPlace, ...batch } = read.value
        expect(rowsInPlace).toBe(wire.rows)
        expect({ ...batch, upserts: read.value.upserts }).toEqual(general.ok && general.value)
        expect(read.value.upserts).toBe(read.value.upserts)
      }),
      { numRuns: 3_000, seed: 20261207 },
    )
    expect(left).toBeGreaterThan(100)
  })

  it('does not leave rows in place unless asked, nor a delete, a repeated key or a value off the fast path', () => {
    const rows = (...list: [string, (string | null)[]][]) => ({ table: wireTable, lsn: '7', rows: inPlace(list) })
    const left = (wire: WireRowBatch, inPlaceAsked = true) => {
      const decoded = decodeBatch(wire, schema, { inPlace: inPlaceAsked })
      return decoded.ok && decoded.value.inPlace !== undefined
    }
    const insert = (id: number, email: string | null = 'a@b.c'): [string, (string | null)[]] => [
      'I',
      [`[I:${id}]`, DT, email],
    ]
    expect(left(rows(insert(1), ['U', ['[I:2]', DT, null]]))).toBe(true)
    expect(left(rows(insert(1), insert(2)), false)).toBe(false)
    expect(left(rows(insert(1), ['D', ['[I:2]', null, null]]))).toBe(false)
    expect(left(rows(insert(1), insert(1, 'again')))).toBe(false)
    expect(left(rows(insert(1), ['I', ['[I:2]', '[DT:05/18/2020 10:40:43.0000000+02:00]', null]]))).toBe(false)
    expect(left(rows(insert(1), ['I', ['[I:2]', DT, 'x'.repeat(256)]]))).toBe(false)
    // Listed rows (a writer's, not a request's) have no place to be left in.
    expect(left(batch([insert(1)]))).toBe(false)
  })

  it("with the mirror's encoder, leaves the values to it: kept where it wrote them, decoded where it would not", () => {
    const wire = (...list: [string, (string | null)[]][]) => ({ table: wireTable, lsn: '7', rows: inPlace(list) })
    const good = wire(['I', ['[I:1]', DT, 'a@b.c']], ['U', ['[I:2]', DT, null]])
    const bad = wire(['I', ['[I:1]', DT, 'a@b.c']], ['I', ['[I:2]', '[DT:02/30/2020 10:40:43.0000000]', null]])
    const seen: unknown[] = []
    // `false`: it does not take the batch; anything else is what it writes (undefined: refused).
    const encoder = (answer: unknown) => ({
      takes: () => answer !== false,
      write: (table: unknown, rows: WireRows) => {
        seen.push(table, rows)
        return answer
      },
    })
    // Written: the batch stays in place with what the encoder made, and the domain checks no value.
    const written = decodeBatch(bad, schema, { inPlace: true, encode: encoder('text') })
    expect(written.ok && written.value.inPlace === bad.rows && written.value.encoded).toBe('text')
    expect(seen).toEqual([schema, bad.rows])
    // Refused (a value it would not write): decoded the general way, errors and all.
    expect(decodeBatch(bad, schema, { inPlace: true, encode: encoder(undefined) })).toEqual(decodeBatch(bad, schema))
    const refusedGood = decodeBatch(good, schema, { inPlace: true, encode: encoder(undefined) })
    expect(refusedGood).toEqual(decodeBatch(good, schema))
    expect(refusedGood.ok && refusedGood.value.inPlace).toBe(undefined)
    // Declined (too small for its bulk path): checked here, as without an encoder.
    expect(decodeBatch(bad, schema, { inPlace: true, encode: encoder(false) })).toEqual(decodeBatch(bad, schema))
    const declined = decodeBatch(good, schema, { inPlace: true, encode: encoder(false) })
    expect(declined.ok && declined.value.inPlace === good.rows && declined.value.encoded).toBe(undefined)
    // What only the rows' shape refuses never reaches it: a delete, a key twice, a nil the column refuses.
    seen.length = 0
    for (const refused of [
      wire(['I', ['[I:1]', DT, null]], ['D', ['[I:2]', null, null]]),
      wire(['I', ['[I:1]', DT, null]], ['U', ['[I:1]', DT, null]]),
      wire(['I', ['[I:1]', null, null]]),
    ]) {
      expect(decodeBatch(refused, schema, { inPlace: true, encode: encoder('text') })).toEqual(
        decodeBatch(refused, schema),
      )
    }
    expect(seen).toEqual([])
  })

  it('turns I and U into upserts and D into deletes by key', () => {
    const decoded = decodeBatch(
      batch([
        ['I', ['[I:1]', DT, 'a@b.c']],
        ['U', ['[I:2]', DT, null]],
        ['D', ['[I:3]', null, null]],
      ]),
      schema,
    )
    expect(decoded).toEqual({
      ok: true,
      value: {
        table: schema,
        lsn: 1506269,
        upserts: [
          [1, '2020-05-18 10:40:43.0000000', 'a@b.c'],
          [2, '2020-05-18 10:40:43.0000000', null],
        ],
        deletes: [[3]],
        received: { inserts: 1, updates: 1, deletes: 1 },
      },
    })
  })

  it('keeps the last operation per key', () => {
    const decoded = decodeBatch(
      batch([
        ['I', ['[I:1]', DT, 'first']],
        ['U', ['[I:1]', DT, 'second']],
        ['D', ['[I:2]', null, null]],
        ['I', ['[I:2]', DT, 'back']],
        ['I', ['[I:3]', DT, 'gone']],
        ['D', ['[I:3]', null, null]],
      ]),
      schema,
    )
    if (!decoded.ok) throw new Error('must decode')
    expect(decoded.value.upserts).toEqual([
      [1, '2020-05-18 10:40:43.0000000', 'second'],
      [2, '2020-05-18 10:40:43.0000000', 'back'],
    ])
    expect(decoded.value.deletes).toEqual([[3]])
    expect(decoded.value.received).toEqual({ inserts: 3, updates: 1, deletes: 2 })
  })

  it('reads a delete by key only, whatever the other values hold', () => {
    expect(decodeBatch(batch([['D', ['[I:3]', 'garbage', '']]]), schema).ok).toBe(true)
  })

  it.each([
    [
      'a value that does not fit',
      [['I', ['[I:1]', '[DT:bad]', null]]],
      { kind: 'ValueDoesNotFit', row: 1, column: 'registered' },
    ],
    ['NULL in a NOT NULL column', [['I', ['[I:1]', null, null]]], { kind: 'ValueDoesNotFit', column: 'registered' }],
    ['a NULL key', [['D', [null, null, null]]], { kind: 'NullKey', column: 'invitation_id' }],
    ['too few values', [['I', ['[I:1]', DT]]], { kind: 'ColumnCountMismatch', expected: 3, actual: 2 }],
    ['an unknown operation', [['X', ['[I:1]', DT, null]]], { kind: 'UnknownOperation', operation: 'X' }],
    [
      'a bad second row',
      [
        ['I', ['[I:1]', DT, null]],
        ['I', ['[I:99999999999]', DT, null]],
      ],
      { kind: 'ValueDoesNotFit', row: 2 },
    ],
  ] as const)('refuses the whole batch for %s', (_, rows, error) => {
    expect(decodeBatch(batch(rows as never), schema)).toMatchObject({
      ok: false,
      error: { table: 'invitation', ...error },
    })
  })

  it.each(['', 'abc', '-2', '1.5', '99999999999999999999'])('refuses LSN %j', (lsn) => {
    expect(decodeBatch(batch([], lsn), schema)).toMatchObject({ ok: false, error: { kind: 'InvalidLsn' } })
  })

  it('accepts LSN -1', () => {
    expect(decodeBatch(batch([], '-1'), schema)).toMatchObject({ ok: true, value: { lsn: -1 } })
  })
})
