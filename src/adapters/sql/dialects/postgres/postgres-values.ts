import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { DriverValues } from '../../dialect-parts.ts'
import { cutSeventhDigit, driverValue, readCell, WIDENED_TEMPORALS, widenFraction } from '../../driver-values.ts'

/** CellValue → pg parameter: bigint as text, bytes as Buffer, dates as their canonical text. */
export function toPostgresValue(value: CellValue, type: ColumnType): unknown {
  // PostgreSQL would round the seventh fractional digit, turning 23:59:59.9999999 into 24:00;
  // it is cut instead, the one loss the README documents for these types.
  if (
    typeof value === 'string' &&
    (type.kind === 'datetime2' || type.kind === 'time' || type.kind === 'datetimeoffset')
  ) {
    return cutSeventhDigit(value)
  }
  return driverValue(value, { bigint: 'text', bit: 'boolean' })
}

/**
 * pg value → CellValue. The connection's type parsers hand int8 and every date and time type
 * over as PostgreSQL's text, which is widened here to the 7 fractional digits of the canonical form.
 */
export function fromPostgresValue(value: unknown, type: ColumnType): CellValue {
  return readCell(value, type, {
    ...WIDENED_TEMPORALS,
    bit: (v) => v === true || v === 't',
    datetimeoffset: (v) => canonicalOffset(String(v)),
    uniqueidentifier: (v) => String(v).toUpperCase(),
  })
}

/** `2020-05-18 10:40:43.1234+00` (TimeZone UTC) → `2020-05-18 10:40:43.1234000+00:00`. */
function canonicalOffset(text: string): string {
  const m = /^(.*?)([+-]\d{2})(?::?(\d{2}))?(?::\d{2})?$/.exec(text)
  if (!m) return text
  return `${widenFraction(m[1]!)}${m[2]}:${m[3] ?? '00'}`
}

export const postgresValues: DriverValues = { toDriver: toPostgresValue, fromDriver: fromPostgresValue }
