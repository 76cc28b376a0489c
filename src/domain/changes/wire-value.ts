import { type ColumnType, decimalShape, INTEGER_RANGE, type IntegerSize } from '../schema/column-type.ts'
import { decodeBase64, encodeBase64 } from '../shared/base64.ts'
import { err, ok, type Result } from '../shared/result.ts'
import type { CellValue } from './cell-value.ts'
import { decimalWithin, fitDecimal } from './exact-decimal.ts'
import {
  compareDateTime,
  formatCanonicalDate,
  formatCanonicalOffset,
  formatCanonicalTime,
  formatWireDateTime,
  parseCanonical,
  parseWireDateTime,
  parseWireTime,
  type Temporal,
} from './temporal.ts'

/**
 * The value codec of wire-profile §4: decodes a `ColumnValues` string by its column's declared
 * type, never by its look, and encodes a CellValue back. `null` is `i:nil="true"`.
 * Errors say why the value does not fit, never quoting it (values stay out of replies and
 * logs); the caller adds table, row and column.
 */
export function decodeWireValue(raw: string | null, type: ColumnType): Result<CellValue, string> {
  if (raw === null) return ok(null)
  switch (type.kind) {
    case 'string':
      return type.length !== 'max' && raw.length > type.length
        ? err(`is longer than ${type.length} characters`)
        : ok(raw)
    case 'text':
    case 'xml':
      return ok(raw)
    case 'uniqueidentifier':
      return decodeGuid(raw)
    case 'integer':
      return decodeInteger(raw, type.size)
    case 'bit':
      return decodeBit(raw)
    case 'float':
      return decodeFloat(raw, type.size)
    case 'decimal':
    case 'money':
      return decodeExact(raw, type)
    case 'datetime':
    case 'datetime2':
    case 'datetimeoffset':
    case 'date':
      return decodeDateTime(raw, type)
    case 'time':
      return decodeTime(raw)
    case 'binary':
      return decodeBinary(raw, type.length)
    case 'image':
      return decodeBinary(raw, 'max')
  }
}

/** Splits `[M:value]` into moniker and value; undefined when the text is not of that form. */
function bracketed(raw: string): { moniker: string; value: string } | undefined {
  if (raw.length < 4 || raw.charCodeAt(0) !== 91 || raw.charCodeAt(raw.length - 1) !== 93) return undefined
  const colon = raw.indexOf(':')
  if (colon < 2 || colon > 3) return undefined
  return { moniker: raw.slice(1, colon), value: raw.slice(colon + 1, -1) }
}

function expect(raw: string, monikers: readonly string[]): Result<string, string> {
  const parts = bracketed(raw)
  if (!parts || !monikers.includes(parts.moniker)) {
    return err(`is not a [${monikers[0]}:…] value`)
  }
  return ok(parts.value)
}

const INTEGER = /^[+-]?\d{1,20}$/

function decodeInteger(raw: string, size: IntegerSize): Result<CellValue, string> {
  const text = expect(raw, size === 'smallint' ? ['S', 'I', 'L'] : ['I', 'S', 'L'])
  if (!text.ok) return text
  if (!INTEGER.test(text.value)) return err('is not an integer')
  const value = BigInt(text.value)
  const [min, max] = INTEGER_RANGE[size]
  if (value < min || value > max) return err(`is out of range for ${size}`)
  return ok(size === 'bigint' ? value : Number(value))
}

function decodeBit(raw: string): Result<CellValue, string> {
  const text = expect(raw, ['I', 'S', 'L'])
  if (!text.ok) return text
  if (text.value === '0') return ok(false)
  if (text.value === '1') return ok(true)
  return err('is not 0 or 1')
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function decodeFloat(raw: string, size: 'real' | 'float'): Result<CellValue, string> {
  const text = expect(raw, ['F', 'M'])
  if (!text.ok) return text
  if (!FLOAT.test(text.value)) return err('is not a number')
  const value = Number(text.value)
  if (!Number.isFinite(value) || (size === 'real' && !Number.isFinite(Math.fround(value)))) {
    return err(`is out of range for ${size}`)
  }
  return ok(value)
}

const MONEY_RANGE = {
  money: ['-922337203685477.5808', '922337203685477.5807'],
  smallmoney: ['-214748.3648', '214748.3647'],
} as const

function decodeExact(raw: string, type: ColumnType & { kind: 'decimal' | 'money' }): Result<CellValue, string> {
  const text = expect(raw, ['F', 'M'])
  if (!text.ok) return text
  const shape = decimalShape(type)!
  const value = fitDecimal(text.value, shape.precision, shape.scale)
  if (!value.ok) return value
  const [min, max] = type.kind === 'money' ? MONEY_RANGE[type.size] : ['', '']
  if (type.kind === 'money' && !decimalWithin(value.value, min, max)) {
    return err(`is out of range for ${type.size}`)
  }
  return value
}

function decodeDateTime(raw: string, type: ColumnType): Result<CellValue, string> {
  const text = expect(raw, ['DT'])
  if (!text.ok) return text
  const parsed = parseWireDateTime(text.value)
  if (!parsed.ok) return parsed
  const t = parsed.value
  const wantsOffset = type.kind === 'datetimeoffset'
  if (wantsOffset !== (t.offset !== undefined)) {
    return err(wantsOffset ? 'has no UTC offset' : 'has a UTC offset the column cannot hold')
  }
  const range = dateRange(type)
  if (range && (compareDateTime(t, ...range[0]) < 0 || compareDateTime(t, ...range[1]) > 0)) {
    return err(`is out of range for ${type.kind === 'datetime' ? type.variant : type.kind}`)
  }
  if (type.kind === 'date') {
    if (t.hour || t.minute || t.second || /[1-9]/.test(t.fraction)) return err('has a time of day')
    return ok(formatCanonicalDate(t))
  }
  const base = `${formatCanonicalDate(t)} ${formatCanonicalTime(t)}`
  return ok(t.offset === undefined ? base : `${base}${formatCanonicalOffset(t.offset)}`)
}

type Position = [number, number, number, number, number]

function dateRange(type: ColumnType): readonly [Position, Position] | undefined {
  if (type.kind !== 'datetime') return undefined
  return type.variant === 'datetime'
    ? [
        [1753, 1, 1, 0, 0],
        [9999, 12, 31, 23, 59],
      ]
    : [
        [1900, 1, 1, 0, 0],
        [2079, 6, 6, 23, 59],
      ]
}

function decodeTime(raw: string): Result<CellValue, string> {
  const text = expect(raw, ['T'])
  if (!text.ok) return text
  const parsed = parseWireTime(text.value)
  return parsed.ok ? ok(formatCanonicalTime(parsed.value)) : parsed
}

function decodeBinary(raw: string, length: number | 'max'): Result<CellValue, string> {
  const text = expect(raw, ['B'])
  if (!text.ok) return text
  const bytes = decodeBase64(text.value)
  if (!bytes) return err('is not standard base64')
  if (length !== 'max' && bytes.length > length) return err(`is longer than ${length} bytes`)
  return ok(bytes)
}

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i

function decodeGuid(raw: string): Result<CellValue, string> {
  const m = GUID.exec(raw)
  return m ? ok(m[1]!.toUpperCase()) : err('is not a uniqueidentifier')
}

/** Encodes a value for the wire, as the project's Mirroring Task sends it (wire-profile §4). */
export function encodeWireValue(value: CellValue, type: ColumnType): string | null {
  if (value === null) return null
  switch (type.kind) {
    case 'integer':
      return `[${type.size === 'smallint' ? 'S' : 'I'}:${String(value)}]`
    case 'bit':
      return `[I:${value === true || value === 1 ? 1 : 0}]`
    case 'float':
    case 'decimal':
    case 'money':
      return `[F:${String(value)}]`
    case 'datetime':
    case 'datetime2':
    case 'datetimeoffset':
    case 'date':
      return `[DT:${wireDateTime(value)}]`
    case 'time':
      return `[T:${String(value)}]`
    case 'binary':
    case 'image':
      return `[B:${encodeBase64(value as Uint8Array)}]`
    case 'string':
    case 'text':
    case 'xml':
    case 'uniqueidentifier':
      return String(value)
  }
}

/**
 * Canonical `yyyy-MM-dd[ HH:mm:ss.fffffff[±hh:mm]]` rearranged into the wire's
 * `MM/dd/yyyy HH:mm:ss.fffffff[ ±hh:mm]` by position: a full load encodes millions of these. Any
 * text not in exactly that shape goes through the parser, which refuses it.
 */
function wireDateTime(value: CellValue): string {
  if (typeof value === 'string' && canonicalShape(value)) {
    const date = `${value.slice(5, 7)}/${value.slice(8, 10)}/${value.slice(0, 4)}`
    if (value.length === 10) return `${date} 00:00:00.0000000`
    return value.length === 27 ? `${date} ${value.slice(11)}` : `${date} ${value.slice(11, 27)} ${value.slice(27)}`
  }
  return formatWireDateTime(temporal(value))
}

/** Where a canonical value has a separator, and which; digits everywhere else. */
const SEPARATORS: Readonly<Record<number, number>> = { 4: 45, 7: 45, 10: 32, 13: 58, 16: 58, 19: 46, 30: 58 }

function canonicalShape(text: string): boolean {
  const n = text.length
  if (n !== 10 && n !== 27 && n !== 33) return false
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (i === 27) {
      if (c !== 43 && c !== 45) return false
    } else if (i in SEPARATORS) {
      if (c !== SEPARATORS[i]) return false
    } else if (c < 48 || c > 57) return false
  }
  return true
}

function temporal(value: CellValue): Temporal {
  const parsed = typeof value === 'string' ? parseCanonical(value) : undefined
  if (!parsed) throw new TypeError(`not a canonical date/time value: ${String(value)}`)
  return parsed
}
