import { clip } from '../shared/clip.ts'
import { err, ok, type Result } from '../shared/result.ts'

/**
 * A column default as SQL Server's catalog prints it (`default ((0))`, `default (N'')`,
 * `default (getdate())`; protocol.md §5). Only constants and a fixed set of functions are
 * understood; anything else is kept as `expression` so that it can be reported, and is never
 * written into SQL, because it is text from the wire.
 */
export type DefaultValue =
  | { readonly kind: 'none' }
  | { readonly kind: 'null' }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string; readonly unicode: boolean }
  | { readonly kind: 'function'; readonly name: DefaultFunction }
  | { readonly kind: 'expression'; readonly text: string }

export type DefaultFunction =
  | 'getdate'
  | 'getutcdate'
  | 'sysdatetime'
  | 'sysutcdatetime'
  | 'sysdatetimeoffset'
  | 'current_timestamp'
  | 'newid'
  | 'newsequentialid'

const FUNCTIONS: ReadonlySet<string> = new Set<DefaultFunction>([
  'getdate',
  'getutcdate',
  'sysdatetime',
  'sysutcdatetime',
  'sysdatetimeoffset',
  'current_timestamp',
  'newid',
  'newsequentialid',
])

export const NO_DEFAULT: DefaultValue = { kind: 'none' }

export function parseDefaultValue(wire: string): Result<DefaultValue, string> {
  const text = wire.trim()
  if (text === '') return ok(NO_DEFAULT)
  const match = /^default\s*(\(.*\))$/is.exec(text)
  if (!match) return err(`default value '${clip(text)}' does not start with 'default ('`)
  const inner = stripParentheses(match[1]!)
  if (inner === undefined) return err(`default value '${clip(text)}' has unbalanced parentheses`)
  return ok(classify(inner))
}

function classify(expression: string): DefaultValue {
  if (/^null$/i.test(expression)) return { kind: 'null' }
  const number = /^([+-]?)\s*\(*\s*(\d+(?:\.\d+)?)\s*\)*$/.exec(expression)
  if (number && stripParentheses(`(${expression})`) !== undefined) {
    return { kind: 'number', text: `${number[1] === '-' ? '-' : ''}${number[2]}` }
  }
  const string = /^(N?)'((?:[^']|'')*)'$/s.exec(expression)
  if (string) return { kind: 'string', value: string[2]!.replaceAll("''", "'"), unicode: string[1] === 'N' }
  const call = /^([a-z_]+)\s*(\(\s*\))?$/i.exec(expression)
  if (call) {
    const name = call[1]!.toLowerCase()
    const bare = call[2] === undefined
    if (FUNCTIONS.has(name) && bare === (name === 'current_timestamp'))
      return { kind: 'function', name: name as DefaultFunction }
  }
  return { kind: 'expression', text: expression }
}

/** Removes every pair of parentheses that encloses the whole text; undefined when unbalanced. */
function stripParentheses(text: string): string | undefined {
  let current = text.trim()
  for (;;) {
    if (!balanced(current)) return undefined
    if (!(current.startsWith('(') && current.endsWith(')') && enclosesAll(current))) return current
    current = current.slice(1, -1).trim()
  }
}

function balanced(text: string): boolean {
  let depth = 0
  let quoted = false
  for (const ch of text) {
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')' && --depth < 0) return false
  }
  return depth === 0 && !quoted
}

function enclosesAll(text: string): boolean {
  let depth = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')' && --depth === 0 && i < text.length - 1) return false
  }
  return true
}

/** The canonical wire form, as SQL Server's catalog prints it. */
export function formatDefaultValue(value: DefaultValue): string {
  switch (value.kind) {
    case 'none':
      return ''
    case 'null':
      return 'default (NULL)'
    case 'number':
      return `default ((${value.text}))`
    case 'string':
      return `default (${value.unicode ? 'N' : ''}'${value.value.replaceAll("'", "''")}')`
    case 'function':
      return value.name === 'current_timestamp' ? 'default (CURRENT_TIMESTAMP)' : `default (${value.name}())`
    case 'expression':
      return `default (${value.text})`
  }
}
