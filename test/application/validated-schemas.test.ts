import { describe, expect, it } from 'vitest'
import { ValidatedSchemas } from '../../src/application/validated-schemas.ts'
import type { WireTableSchema } from '../../src/domain/protocol/messages.ts'
import { mirroringHarness } from '../../src/testing/harness.ts'

const wire = (name: string, column: string, dflt = ''): WireTableSchema => ({
  name,
  columns: [
    { name: 'id', type: 'int', isNullable: 'false', defaultValue: '' },
    { name: column, type: 'nvarchar(20)', isNullable: 'true', defaultValue: dflt },
  ],
})

function subject() {
  return { schemas: new ValidatedSchemas() }
}

describe('ValidatedSchemas', () => {
  it('builds a table sent again once', () => {
    const { schemas } = subject()
    const first = schemas.build(wire('person', 'name'))
    expect(first.ok).toBe(true)
    expect(schemas.build(wire('person', 'name'))).toBe(first)
  })

  it('knows a frozen table by the object, and a table that can still change only by its text', () => {
    const { schemas } = subject()
    const table = wire('person', 'name')
    for (const c of table.columns) Object.freeze(c)
    Object.freeze(table.columns)
    Object.freeze(table)
    const first = schemas.build(table)
    expect(schemas.build(table)).toBe(first)
    expect(schemas.build(wire('person', 'name'))).toBe(first)
    // A table whose column objects can change is looked up by its text every time.
    const open = wire('orders', 'item')
    Object.freeze(open)
    Object.freeze(open.columns)
    const before = schemas.build(open)
    ;(open.columns[1] as { name: string }).name = 'renamed'
    const after = schemas.build(open)
    expect(after).not.toBe(before)
    expect(after.ok && after.value.columns[1]!.name).toBe('renamed')
  })

  it('lets TableSchema hash each schema once, however many calls send it', async () => {
    const hashed: string[] = []
    const h = mirroringHarness({ hasher: { hash: (text) => `h${hashed.push(text)}` } })
    for (let call = 0; call < 3; call++) {
      const out = await h.send.tableSchema([wire('person', 'name'), wire('orders', 'item')])
      expect(out.result.ok).toBe(true)
    }
    expect(hashed).toHaveLength(2)
  })

  it('tells apart tables that differ anywhere, even where plain concatenation would not', () => {
    const { schemas } = subject()
    const built = [
      schemas.build(wire('person', 'name')),
      schemas.build(wire('person', 'name', "default (N'x')")),
      schemas.build(wire('person', 'nam')),
      schemas.build({ name: 'ab', columns: [{ name: 'c', type: 'int', isNullable: 'false', defaultValue: '' }] }),
      schemas.build({ name: 'a', columns: [{ name: 'bc', type: 'int', isNullable: 'false', defaultValue: '' }] }),
    ]
    expect(new Set(built).size).toBe(5)
    const names = built.map((b) => (b.ok ? [b.value.name, b.value.columns.map((c) => c.name).join()] : []))
    expect(names[3]).toEqual(['ab', 'c'])
    expect(names[4]).toEqual(['a', 'bc'])
  })

  it('remembers a table it refused, with its error', () => {
    const { schemas } = subject()
    const bad = schemas.build(wire('person', 'name', 'default (no quote'))
    expect(bad.ok).toBe(false)
    expect(schemas.build(wire('person', 'name', 'default (no quote'))).toEqual(bad)
  })
})
