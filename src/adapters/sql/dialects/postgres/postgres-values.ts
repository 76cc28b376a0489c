import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { cutSeventhDigit, exactDecimal, widenFraction } from '../../driver-values.ts'

/** CellValue → pg parameter: bigint as text, bytes as Buffer, dates as their canonical text. */
export function toPostgresValue(value: CellValue, type: ColumnType): unknown {
  if (typeof value === 'bigint') return value.toString()
  // PostgreSQL would round the seventh fractional digit, turning 23:59:59.9999999 into 24:00;
  // it is cut instead, the one loss the README documents for these types.
  if (
    typeof value === 'string' &&
    (type.kind === 'datetime2' || type.kind === 'time' || type.kind === 'datetimeoffset')
  ) {
    return cutSeventhDigit(value)
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return value
}

/**
 * pg value → CellValue. The connection's type parsers hand int8 and every date and time type
 * over as PostgreSQL's text, which is widened here to the 7 fractional digits of the canonical form.
 */
export function fromPostgresValue(value: unknown, type: ColumnType): CellValue {
  if (value === null || value === undefined) return null
  switch (type.kind) {
    case 'integer':
      return type.size === 'bigint' ? BigInt(value as string) : Number(value)
    case 'bit':
      return value === true || value === 't'
    case 'float':
      return Number(value)
    case 'decimal':
    case 'money':
      return exactDecimal(value, type)
    case 'datetime':
    case 'datetime2':
      return widenFraction(String(value))
    case 'datetimeoffset':
      return canonicalOffset(String(value))
    case 'time':
      return widenFraction(String(value))
    case 'uniqueidentifier':
      return String(value).toUpperCase()
    case 'binary':
    case 'image':
      return new Uint8Array(value as Buffer)
    default:
      return String(value)
  }
}

/** `2020-05-18 10:40:43.1234+00` (TimeZone UTC) → `2020-05-18 10:40:43.1234000+00:00`. */
function canonicalOffset(text: string): string {
  const m = /^(.*?)([+-]\d{2})(?::?(\d{2}))?(?::\d{2})?$/.exec(text)
  if (!m) return text
  return `${widenFraction(m[1]!)}${m[2]}:${m[3] ?? '00'}`
}
