import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { type DefaultValue, NO_DEFAULT } from '../../../../domain/schema/default-value.ts'
import { isUnicode } from '../source-schema.ts'

const CAST = /::(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_ ]*)(?:\([^)]*\))?(?:\[\])*$/i
const NUMBER = /^([+-]?)(\d+(?:\.\d+)?)$/
const STRING = /^'((?:[^']|'')*)'$/s
const NOW =
  /^(?:now\(\)|current_timestamp(?:\(\d\))?|localtimestamp(?:\(\d\))?|current_date|statement_timestamp\(\)|transaction_timestamp\(\)|clock_timestamp\(\))$/i
const UTC_NOW = /^timezone\('utc'(?:::text)?,\s*(?:now\(\)|current_timestamp)\)$/i
const NEW_UUID = /^(?:gen_random_uuid\(\)|uuid_generate_v4\(\))$/i

/**
 * A PostgreSQL column default (`pg_get_expr` of pg_attrdef) in SuperOffice's forms: numbers as
 * `default ((0))`, strings as `default (N'…')`, the current time as `default (getdate())`, new
 * uuids as `default (newid())`. Sequences (`nextval`), identity and other expressions are left
 * out: a source's rows always carry full values.
 */
export function postgresDefault(expression: string | null, type: ColumnType): DefaultValue {
  if (expression === null) return NO_DEFAULT
  const text = withoutCasts(expression.trim())
  const number = NUMBER.exec(text)
  if (number) return numberDefault(number)
  if (/^true$/i.test(text)) return { kind: 'number', text: '1' }
  if (/^false$/i.test(text)) return { kind: 'number', text: '0' }
  const string = STRING.exec(text)
  if (string) {
    const value = string[1]!.replaceAll("''", "'")
    // PostgreSQL prints a negative number default as a quoted literal with a cast: '-1'::integer.
    const quotedNumber = NUMBER.exec(value)
    if (quotedNumber && isNumeric(type)) return numberDefault(quotedNumber)
    return { kind: 'string', value, unicode: isUnicode(type) }
  }
  if (NOW.test(text)) return { kind: 'function', name: 'getdate' }
  if (UTC_NOW.test(text)) return { kind: 'function', name: 'getutcdate' }
  if (NEW_UUID.test(text)) return { kind: 'function', name: 'newid' }
  return NO_DEFAULT
}

function withoutCasts(text: string): string {
  let current = text
  for (;;) {
    const unwrapped = current.startsWith('(') && current.endsWith(')') ? current.slice(1, -1).trim() : current
    const uncast = unwrapped.replace(CAST, '').trim()
    if (uncast === current) return current
    current = uncast
  }
}

function numberDefault(m: RegExpExecArray): DefaultValue {
  return { kind: 'number', text: `${m[1] === '-' ? '-' : ''}${m[2]}` }
}

function isNumeric(type: ColumnType): boolean {
  return (
    type.kind === 'integer' ||
    type.kind === 'decimal' ||
    type.kind === 'money' ||
    type.kind === 'float' ||
    type.kind === 'bit'
  )
}
