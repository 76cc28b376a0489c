import { describe, expect, it } from 'vitest'
import type { WireColumn } from '../../src/domain/protocol/messages.ts'
import { planTable, widens } from '../../src/domain/schema/schema-plan.ts'
import { parseSqlServerType } from '../../src/domain/schema/sql-server-type.ts'
import { buildTableSchema, type TableSchema } from '../../src/domain/schema/table-schema.ts'

const col = (name: string, type: string, isNullable = 'true', defaultValue = ''): WireColumn => ({
  name,
  type,
  isNullable,
  defaultValue,
})
const table = (...columns: WireColumn[]): TableSchema => {
  const built = buildTableSchema({ name: 'sale', columns: [col('sale_id', 'int', 'false'), ...columns] })
  if (!built.ok) throw new Error(JSON.stringify(built.error))
  return built.value
}
const type = (t: string) => {
  const parsed = parseSqlServerType(t)
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.value
}

describe('schema plan (wire-profile §3)', () => {
  const base = table(col('title', 'nvarchar(50)'), col('amount', 'int', 'false', 'default ((0))'))

  it('creates a table the mirror does not have', () => {
    expect(planTable(base, undefined)).toMatchObject({ kind: 'create' })
  })

  it('leaves an equal schema alone, whatever its spelling', () => {
    const respelled = table(col('title', 'NVARCHAR (50)'), col('amount', 'INT', 'false', 'default (0)'))
    expect(planTable(respelled, base)).toMatchObject({ kind: 'unchanged' })
  })

  it('adds a column in place', () => {
    const plan = planTable(
      table(col('title', 'nvarchar(50)'), col('amount', 'int', 'false', 'default ((0))'), col('note', 'ntext')),
      base,
    )
    expect(plan).toMatchObject({ kind: 'alter', steps: [{ kind: 'add-column', column: { name: 'note' } }] })
  })

  it('adds a NOT NULL column in place when it has a default', () => {
    const plan = planTable(
      table(
        col('title', 'nvarchar(50)'),
        col('amount', 'int', 'false', 'default ((0))'),
        col('flag', 'int', 'false', 'default ((1))'),
      ),
      base,
    )
    expect(plan).toMatchObject({ kind: 'alter', steps: [{ kind: 'add-column' }] })
  })

  it('recreates for a new NOT NULL column without a default', () => {
    const plan = planTable(
      table(col('title', 'nvarchar(50)'), col('amount', 'int', 'false', 'default ((0))'), col('flag', 'int', 'false')),
      base,
    )
    expect(plan).toMatchObject({ kind: 'recreate', reason: expect.stringContaining('flag') })
  })

  it('widens a column in place', () => {
    const plan = planTable(
      table(col('title', 'nvarchar(100)'), col('amount', 'bigint', 'false', 'default ((0))')),
      base,
    )
    expect(plan).toMatchObject({
      kind: 'alter',
      steps: [
        { kind: 'widen-column', to: { name: 'title' } },
        { kind: 'widen-column', to: { name: 'amount' } },
      ],
    })
  })

  it('relaxes NOT NULL in place, and changes a default in place', () => {
    const plan = planTable(table(col('title', 'nvarchar(50)'), col('amount', 'int', 'true', 'default ((-1))')), base)
    expect(plan).toMatchObject({
      kind: 'alter',
      steps: [{ kind: 'widen-column' }, { kind: 'change-default' }],
    })
  })

  it.each([
    ['narrowed', table(col('title', 'nvarchar(20)'), col('amount', 'int', 'false', 'default ((0))'))],
    ['changed type', table(col('title', 'datetime'), col('amount', 'int', 'false', 'default ((0))'))],
    ['made NOT NULL', table(col('title', 'nvarchar(50)', 'false'), col('amount', 'int', 'false', 'default ((0))'))],
    ['dropped', table(col('title', 'nvarchar(50)'))],
    ['renamed by case', table(col('Title', 'nvarchar(50)'), col('amount', 'int', 'false', 'default ((0))'))],
  ])('recreates when a column is %s', (_, desired) => {
    expect(planTable(desired, base).kind).toBe('recreate')
  })

  it('recreates when the key changes', () => {
    const rekeyed = buildTableSchema({
      name: 'sale',
      columns: [
        col('title', 'nvarchar(50)', 'false'),
        col('sale_id', 'int', 'false'),
        col('amount', 'int', 'false', 'default ((0))'),
      ],
    })
    if (!rekeyed.ok) throw new Error('must build')
    expect(planTable(rekeyed.value, base)).toMatchObject({ kind: 'recreate', reason: 'the key columns changed' })
  })

  it.each([
    ['tinyint', 'int', true],
    ['bigint', 'int', false],
    ['real', 'float', true],
    ['float', 'real', false],
    ['decimal(10,2)', 'decimal(12,3)', true],
    ['decimal(10,2)', 'decimal(10,3)', false],
    ['money', 'decimal(19,4)', true],
    ['varchar(10)', 'nvarchar(10)', true],
    ['nvarchar(10)', 'varchar(10)', false],
    ['nvarchar(10)', 'nvarchar(max)', true],
    ['char(10)', 'char(20)', false],
    ['ntext', 'nvarchar(max)', true],
    ['varbinary(8)', 'varbinary(max)', true],
    ['image', 'varbinary(max)', true],
    ['datetime2(3)', 'datetime2(7)', true],
    ['datetime2(7)', 'datetime2(3)', false],
    ['datetime', 'datetime2(7)', false],
    ['int', 'nvarchar(20)', false],
  ])('%s → %s widens: %s', (from, to, expected) => {
    expect(widens(type(from), type(to))).toBe(expected)
  })
})
