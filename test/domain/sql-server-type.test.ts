import { describe, expect, it } from 'vitest'
import { formatSqlServerType, parseSqlServerType } from '../../src/domain/schema/sql-server-type.ts'

// Every type of wire-profile §3 in the spelling SQL Server's catalog gives it.
const CANONICAL = [
  'tinyint',
  'smallint',
  'int',
  'bigint',
  'bit',
  'real',
  'float',
  'decimal(18,0)',
  'decimal(38,10)',
  'numeric(10,2)',
  'money',
  'smallmoney',
  'datetime',
  'smalldatetime',
  'datetime2(0)',
  'datetime2(7)',
  'date',
  'time(3)',
  'time(7)',
  'datetimeoffset(7)',
  'char(10)',
  'varchar(8000)',
  'varchar(max)',
  'nchar(1)',
  'nvarchar(255)',
  'nvarchar(4000)',
  'nvarchar(max)',
  'text',
  'ntext',
  'binary(16)',
  'varbinary(8000)',
  'varbinary(max)',
  'image',
  'uniqueidentifier',
  'xml',
]

describe('SQL Server type grammar', () => {
  it.each(CANONICAL)('format(parse(%s)) round-trips', (text) => {
    const parsed = parseSqlServerType(text)
    expect(parsed.ok).toBe(true)
    if (parsed.ok) expect(formatSqlServerType(parsed.value)).toBe(text)
  })

  it.each([
    ['NVARCHAR (255)', 'nvarchar(255)'],
    ['[int]', 'int'],
    ['decimal', 'decimal(18,0)'],
    ['decimal(9)', 'decimal(9,0)'],
    ['Numeric( 12 , 3 )', 'numeric(12,3)'],
    ['nvarchar', 'nvarchar(1)'],
    ['varchar(MAX)', 'varchar(max)'],
    ['datetime2', 'datetime2(7)'],
    ['time', 'time(7)'],
    ['datetimeoffset', 'datetimeoffset(7)'],
    ['float(24)', 'real'],
    ['float(53)', 'float'],
    ['float(1)', 'real'],
    ['float(25)', 'float'],
  ])('parses %s as %s', (text, canonical) => {
    const parsed = parseSqlServerType(text)
    expect(parsed.ok && formatSqlServerType(parsed.value)).toBe(canonical)
  })

  it('gives every variant its own structure', () => {
    expect(parseSqlServerType('nvarchar(255)')).toEqual({
      ok: true,
      value: { kind: 'string', unicode: true, fixed: false, length: 255 },
    })
    expect(parseSqlServerType('decimal(10,2)')).toEqual({
      ok: true,
      value: { kind: 'decimal', name: 'decimal', precision: 10, scale: 2 },
    })
    expect(parseSqlServerType('varbinary(max)')).toEqual({
      ok: true,
      value: { kind: 'binary', fixed: false, length: 'max' },
    })
  })

  it.each([
    'geography',
    'sql_variant',
    'nvarchar(4001)',
    'varchar(0)',
    'char(max)',
    'binary(max)',
    'nvarchar(max',
    'decimal(39,0)',
    'decimal(5,6)',
    'datetime2(8)',
    'int(4)',
    'float(54)',
    'nvarchar(10); drop table x',
    '',
    'nvarchar(1,2)',
  ])('refuses %j with a reason, never a throw', (text) => {
    const parsed = parseSqlServerType(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(5)
  })

  it('keeps a 10 KB type string out of its error message', () => {
    const parsed = parseSqlServerType(`x${'y'.repeat(10_000)}`)
    expect(!parsed.ok && parsed.error.length).toBeLessThan(200)
  })
})
