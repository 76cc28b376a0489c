import { describe, expect, it } from 'vitest'
import { ValidatedSchemas } from '../../src/application/validated-schemas.ts'
import type { WireTableSchema } from '../../src/domain/protocol/messages.ts'

const wire = (name: string, column: string, dflt = ''): WireTableSchema => ({
  name,
  columns: [
    { name: 'id', type: 'int', isNullable: 'false', defaultValue: '' },
    { name: column, type: 'nvarchar(20)', isNullable: 'true', defaultValue: dflt },
  ],
})

function subject() {
  const hashed: string[] = []
  const hash = (text: string) => `h${hashed.push(text)}`
  const schemas = new ValidatedSchemas({}, { hash })
  return { schemas, hashed }
}

describe('ValidatedSchemas', () => {
  it('builds a table sent again once, and hashes its schema once', () => {
    const { schemas, hashed } = subject()
    const first = schemas.build(wire('person', 'name'))
    expect(first.ok).toBe(true)
    expect(schemas.build(wire('person', 'name'))).toBe(first)
    if (!first.ok) return
    expect(schemas.hash(first.value)).toBe('h1')
    expect(schemas.hash(first.value)).toBe('h1')
    expect(hashed).toHaveLength(1)
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
