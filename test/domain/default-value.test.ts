import { describe, expect, it } from 'vitest'
import { formatDefaultValue, parseDefaultValue } from '../../src/domain/schema/default-value.ts'

describe('default values', () => {
  // Every default the 413-table sample carries, and each comes back unchanged.
  it.each([
    'default ((-1))',
    'default ((0))',
    'default ((1))',
    'default ((25))',
    "default (N'')",
    "default (N'1760-01-01 00:00:00')",
    "default (N'17600101 00:00:00')",
    "default ('plain')",
    "default (N'it''s')",
    'default (getdate())',
    'default (newid())',
    'default (CURRENT_TIMESTAMP)',
    'default (NULL)',
    'default ((1.5))',
  ])('%s round-trips', (text) => {
    const parsed = parseDefaultValue(text)
    expect(parsed.ok).toBe(true)
    if (parsed.ok) expect(formatDefaultValue(parsed.value)).toBe(text)
  })

  it('understands what it parsed', () => {
    expect(parseDefaultValue('default ((-1))')).toEqual({ ok: true, value: { kind: 'number', text: '-1' } })
    expect(parseDefaultValue("default (N'it''s')")).toEqual({
      ok: true,
      value: { kind: 'string', value: "it's", unicode: true },
    })
    expect(parseDefaultValue('default (GETDATE())')).toEqual({ ok: true, value: { kind: 'function', name: 'getdate' } })
    expect(parseDefaultValue('')).toEqual({ ok: true, value: { kind: 'none' } })
    expect(parseDefaultValue('default (-(1))')).toEqual({ ok: true, value: { kind: 'number', text: '-1' } })
  })

  it('keeps anything else as an expression that is never rendered as SQL', () => {
    expect(parseDefaultValue('default ((1)+(2))')).toEqual({ ok: true, value: { kind: 'expression', text: '(1)+(2)' } })
    for (const hostile of ['default (0); drop table contact; --)', 'default ((0) ; drop table contact)']) {
      const parsed = parseDefaultValue(hostile)
      expect(parsed.ok ? parsed.value.kind : 'refused').toMatch(/^(expression|refused)$/)
    }
  })

  it.each(['((0))', 'default (0', "default ('open)", 'defaults (0)'])('refuses %j', (text) => {
    expect(parseDefaultValue(text).ok).toBe(false)
  })
})
