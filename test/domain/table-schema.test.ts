import { describe, expect, it } from 'vitest'
import type { WireTableSchema } from '../../src/domain/protocol/messages.ts'
import { schemaFingerprint } from '../../src/domain/schema/schema-fingerprint.ts'
import { buildTableSchema, tableSchemaToWire } from '../../src/domain/schema/table-schema.ts'

const wire = (columns: WireTableSchema['columns'], name = 'contact'): WireTableSchema => ({ name, columns })
const col = (name: string, type = 'int', isNullable = 'false', defaultValue = '') => ({
  name,
  type,
  isNullable,
  defaultValue,
})

describe('table schema', () => {
  it('keys on the first column and forces it NOT NULL', () => {
    const built = buildTableSchema(wire([col('contact_id', 'int', 'true'), col('name', 'nvarchar(10)', 'true')]))
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.value.key).toEqual([0])
    expect(built.value.columns[0]!.nullable).toBe(false)
    expect(built.value.columns[1]!.nullable).toBe(true)
  })

  it('takes a configured key, composite and case-insensitive', () => {
    const built = buildTableSchema(wire([col('a'), col('b'), col('c')]), {
      keyColumns: new Map([['contact', ['C', 'b']]]),
    })
    expect(built.ok && built.value.key).toEqual([2, 1])
  })

  it.each([
    ['an unsupported type', wire([col('id'), col('shape', 'geography')]), 'UnsupportedColumnType'],
    ['a duplicate column', wire([col('id'), col('ID')]), 'DuplicateColumn'],
    ['no columns', wire([]), 'NoColumns'],
    ['a table name with a quote', wire([col('id')], 'con"tact'), 'InvalidTableName'],
    ['a table name with a semicolon', wire([col('id')], 'contact;drop'), 'InvalidTableName'],
    ['a 10 KB table name', wire([col('id')], 't'.repeat(10_240)), 'InvalidTableName'],
    ['an empty column name', wire([col('')]), 'InvalidColumnName'],
    ['a column name with a space', wire([col('id'), col('full name')]), 'InvalidColumnName'],
    ['a column name starting with a digit', wire([col('1st')]), 'InvalidColumnName'],
    ['IsNullable that is not a boolean', wire([col('id', 'int', 'maybe')]), 'InvalidNullability'],
    ['a broken default', wire([col('id'), col('n', 'int', 'true', 'default (1')]), 'InvalidDefaultValue'],
    ['a max column as the key', wire([col('body', 'nvarchar(max)')]), 'InvalidKey'],
  ])('refuses %s', (_, table, kind) => {
    expect(buildTableSchema(table)).toMatchObject({ ok: false, error: { kind } })
  })

  it('accepts unicode letters in names', () => {
    expect(buildTableSchema(wire([col('kunde_nr'), col('straße', 'nvarchar(10)', 'true')], 'y_øre')).ok).toBe(true)
  })

  it('round-trips through its wire form with an equal fingerprint', () => {
    const built = buildTableSchema(
      wire([col('id'), col('name', 'NVARCHAR (10)', 'true', "default (N'')"), col('amount', 'decimal', '1')]),
    )
    if (!built.ok) throw new Error('must build')
    const again = buildTableSchema(tableSchemaToWire(built.value))
    if (!again.ok) throw new Error('must rebuild')
    expect(schemaFingerprint(again.value)).toBe(schemaFingerprint(built.value))
    expect(tableSchemaToWire(built.value).columns[1]).toEqual(col('name', 'nvarchar(10)', 'true', "default (N'')"))
  })
})
