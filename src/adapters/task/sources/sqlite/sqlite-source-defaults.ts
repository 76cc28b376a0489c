import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { type DefaultValue, NO_DEFAULT } from '../../../../domain/schema/default-value.ts'
import { isUnicode } from '../source-schema.ts'

const NUMBER = /^([+-]?)(\d+(?:\.\d+)?)$/
const STRING = /^'((?:[^']|'')*)'$/s
const NOW =
  /^(?:CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|(?:datetime|date|time)\s*\(\s*'now'\s*(?:,\s*'[a-z ]+'\s*)?\))$/i

/**
 * A SQLite column default (the text of `pragma table_info.dflt_value`) in SuperOffice's forms:
 * numbers as `default ((0))`, strings as `default (N'…')`, the current time as
 * `default (getdate())`. Anything else (other expressions, blobs, NULL) is left out: a source's
 * rows always carry full values, so a mirror only needs a default for its own inserts.
 */
export function sqliteDefault(text: string | null, type: ColumnType): DefaultValue {
  if (text === null) return NO_DEFAULT
  const inner = unwrap(text.trim())
  const number = NUMBER.exec(inner)
  if (number) return { kind: 'number', text: `${number[1] === '-' ? '-' : ''}${number[2]}` }
  if (/^true$/i.test(inner)) return { kind: 'number', text: '1' }
  if (/^false$/i.test(inner)) return { kind: 'number', text: '0' }
  const string = STRING.exec(inner)
  if (string) return { kind: 'string', value: string[1]!.replaceAll("''", "'"), unicode: isUnicode(type) }
  if (NOW.test(inner)) return { kind: 'function', name: 'getdate' }
  return NO_DEFAULT
}

function unwrap(text: string): string {
  let current = text
  while (current.startsWith('(') && current.endsWith(')') && balancedInside(current))
    current = current.slice(1, -1).trim()
  return current
}

function balancedInside(text: string): boolean {
  let depth = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')' && --depth === 0 && i < text.length - 1) return false
  }
  return depth === 0
}
