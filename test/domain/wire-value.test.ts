import { describe, expect, it } from 'vitest'
import type { CellValue } from '../../src/domain/changes/cell-value.ts'
import { decodeWireValue, encodeWireValue } from '../../src/domain/changes/wire-value.ts'
import type { ColumnType } from '../../src/domain/schema/column-type.ts'
import { parseSqlServerType } from '../../src/domain/schema/sql-server-type.ts'

const type = (text: string): ColumnType => {
  const parsed = parseSqlServerType(text)
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.value
}

const decode = (raw: string | null, t: string) => decodeWireValue(raw, type(t))

// wire-profile §4, row by row: the declared type, the wire text, the decoded value.
const ACCEPTED: [string, string | null, CellValue][] = [
  ['int', null, null],
  ['nvarchar(10)', null, null],
  ['int', '[I:135]', 135],
  ['int', '[I:-2147483648]', -2147483648],
  ['int', '[S:7]', 7],
  ['int', '[L:7]', 7],
  ['bigint', '[I:9223372036854775807]', 9223372036854775807n],
  ['bigint', '[L:-5]', -5n],
  ['tinyint', '[I:255]', 255],
  ['smallint', '[S:0]', 0],
  ['smallint', '[I:-32768]', -32768],
  ['bit', '[I:1]', true],
  ['bit', '[I:0]', false],
  ['float', '[F:123.4]', 123.4],
  ['float', '[F:-1.7976931348623157E+308]', -1.7976931348623157e308],
  ['float', '[F:5E-324]', 5e-324],
  ['real', '[F:3.4028235E+38]', 3.4028235e38],
  ['float', '[M:2]', 2],
  ['decimal(10,2)', '[F:12.5]', '12.50'],
  ['decimal(10,2)', '[F:-0.10]', '-0.10'],
  ['decimal(10,2)', '[F:1.500]', '1.50'],
  ['decimal(38,0)', '[F:99999999999999999999999999999999999999]', '99999999999999999999999999999999999999'],
  ['decimal(10,4)', '[F:1E-4]', '0.0001'],
  ['numeric(5,0)', '[M:-0]', '0'],
  ['money', '[F:922337203685477.5807]', '922337203685477.5807'],
  ['smallmoney', '[F:-214748.3648]', '-214748.3648'],
  ['datetime', '[DT:05/18/2020 10:40:43.0000000]', '2020-05-18 10:40:43.0000000'],
  ['datetime', '[DT:01/01/1760 00:00:00.0000000]', '1760-01-01 00:00:00.0000000'],
  ['datetime', '[DT:12/31/9999 23:59:59.9970000]', '9999-12-31 23:59:59.9970000'],
  ['datetime2(7)', '[DT:01/01/0001 00:00:00.1234567]', '0001-01-01 00:00:00.1234567'],
  ['datetime2(3)', '[DT:02/29/2024 13:14:15.123]', '2024-02-29 13:14:15.1230000'],
  ['smalldatetime', '[DT:06/06/2079 23:59:00.0000000]', '2079-06-06 23:59:00.0000000'],
  ['date', '[DT:07/04/1776 00:00:00.0000000]', '1776-07-04'],
  ['time(7)', '[T:23:59:59.9999999]', '23:59:59.9999999'],
  ['time(0)', '[T:08:00:00]', '08:00:00.0000000'],
  ['datetimeoffset(7)', '[DT:05/18/2020 10:40:43.0000000 +02:00]', '2020-05-18 10:40:43.0000000+02:00'],
  ['datetimeoffset(7)', '[DT:05/18/2020 10:40:43.0000000 -14:00]', '2020-05-18 10:40:43.0000000-14:00'],
  ['varbinary(max)', '[B:AAEC/w==]', new Uint8Array([0, 1, 2, 255])],
  ['binary(2)', '[B:AAE=]', new Uint8Array([0, 1])],
  ['image', '[B:]', new Uint8Array([])],
  ['nvarchar(255)', 'Leon.Nonnast@melchers.de', 'Leon.Nonnast@melchers.de'],
  ['nvarchar(255)', '', ''],
  ['nvarchar(5)', '[I:5]', '[I:5]'],
  ['nvarchar(4)', '😀😀', '😀😀'],
  ['varchar(max)', 'x'.repeat(100_000), 'x'.repeat(100_000)],
  ['ntext', 'long text', 'long text'],
  ['text', '  spaced  ', '  spaced  '],
  ['xml', '<a b="1"/>', '<a b="1"/>'],
  ['nchar(3)', 'ab ', 'ab '],
  ['uniqueidentifier', '6f9619ff-8b86-d011-b42d-00c04fc964ff', '6F9619FF-8B86-D011-B42D-00C04FC964FF'],
  ['uniqueidentifier', '{6F9619FF-8B86-D011-B42D-00C04FC964FF}', '6F9619FF-8B86-D011-B42D-00C04FC964FF'],
]

// Values whose form does not fit their column: each is a reason, never a throw or a guess.
const REFUSED: [string, string][] = [
  ['int', '135'],
  ['int', '[I:2147483648]'],
  ['int', '[I:1.5]'],
  ['int', '[F:1]'],
  ['int', ''],
  ['tinyint', '[I:-1]'],
  ['smallint', '[S:32768]'],
  ['bigint', '[I:9223372036854775808]'],
  ['bit', '[I:2]'],
  ['float', '[F:abc]'],
  ['float', '[F:NaN]'],
  ['float', '[F:1e999]'],
  ['real', '[F:1E+39]'],
  ['decimal(10,2)', '[F:1.234]'],
  ['decimal(4,2)', '[F:123.4]'],
  ['money', '[F:922337203685477.5808]'],
  ['datetime', '[DT:2020-05-18 10:40:43]'],
  ['datetime', '[DT:02/30/2020 00:00:00.0000000]'],
  ['datetime', '[DT:13/01/2020 00:00:00.0000000]'],
  ['datetime', '[DT:01/01/1752 00:00:00.0000000]'],
  ['datetime', '[DT:01/01/2020 24:00:00.0000000]'],
  ['datetime', '[DT:01/01/2020 00:00:00.0000000 +01:00]'],
  ['smalldatetime', '[DT:06/07/2079 00:00:00.0000000]'],
  ['date', '[DT:07/04/1776 12:00:00.0000000]'],
  ['datetimeoffset(7)', '[DT:05/18/2020 10:40:43.0000000]'],
  ['datetimeoffset(7)', '[DT:05/18/2020 10:40:43.0000000 +15:00]'],
  ['time(7)', '[T:25:00:00]'],
  ['varbinary(max)', '[B:AAE]'],
  ['varbinary(max)', '[B:AA=E]'],
  ['binary(1)', '[B:AAE=]'],
  ['nvarchar(3)', 'abcd'],
  ['uniqueidentifier', 'not-a-guid'],
]

describe('wire value codec', () => {
  it.each(ACCEPTED)('%s: %j decodes', (t, raw, expected) => {
    expect(decode(raw, t)).toEqual({ ok: true, value: expected })
  })

  it.each(REFUSED)('%s: %j does not fit', (t, raw) => {
    const decoded = decode(raw, t)
    expect(decoded.ok).toBe(false)
    if (!decoded.ok) expect(decoded.error).toMatch(/\w/)
  })

  it('never quotes the refused value in its reason', () => {
    const secret = 'secret-4242'
    for (const t of ['int', 'datetime', 'decimal(4,2)', 'uniqueidentifier', 'nvarchar(3)', 'varbinary(2)']) {
      const decoded = decode(`[X:${secret}]`, t)
      if (!decoded.ok) expect(decoded.error).not.toContain(secret)
    }
  })

  it.each(ACCEPTED.filter(([, raw]) => raw !== null))(
    '%s: %j encodes back to a value that decodes the same',
    (t, raw) => {
      const decoded = decode(raw, t)
      if (!decoded.ok) throw new Error(decoded.error)
      const encoded = encodeWireValue(decoded.value, type(t))
      expect(decode(encoded, t)).toEqual(decoded)
    },
  )

  it('encodes as the project task sends (wire-profile §4)', () => {
    expect(encodeWireValue(5, type('int'))).toBe('[I:5]')
    expect(encodeWireValue(5, type('smallint'))).toBe('[S:5]')
    expect(encodeWireValue(5n, type('bigint'))).toBe('[I:5]')
    expect(encodeWireValue(true, type('bit'))).toBe('[I:1]')
    expect(encodeWireValue('12.50', type('decimal(10,2)'))).toBe('[F:12.50]')
    expect(encodeWireValue('2020-05-18 10:40:43.0000000', type('datetime'))).toBe('[DT:05/18/2020 10:40:43.0000000]')
    expect(encodeWireValue('2020-05-18', type('date'))).toBe('[DT:05/18/2020 00:00:00.0000000]')
    expect(encodeWireValue('2020-05-18 10:40:43.0000000+02:00', type('datetimeoffset'))).toBe(
      '[DT:05/18/2020 10:40:43.0000000 +02:00]',
    )
    expect(encodeWireValue('10:00:00.0000000', type('time'))).toBe('[T:10:00:00.0000000]')
    expect(encodeWireValue(new Uint8Array([255]), type('varbinary(max)'))).toBe('[B:/w==]')
    expect(encodeWireValue(null, type('int'))).toBeNull()
    expect(encodeWireValue('', type('nvarchar(5)'))).toBe('')
  })
})
