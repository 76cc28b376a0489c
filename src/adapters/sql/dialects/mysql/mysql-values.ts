import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { DriverValues } from '../../dialect-parts.ts'
import { driverValue, readCell, WIDENED_TEMPORALS } from '../../driver-values.ts'

/** CellValue → mysql2 parameter. */
export function toMysqlValue(value: CellValue, type: ColumnType): unknown {
  // As many fractional digits as the column keeps (mysql-types.ts): the ones beyond are zeros,
  // but the seventh of datetime2(7)/time(7), which is cut, never rounded into the next second.
  // The server would cut them too, with a note for each value, which a LOAD counts as a warning.
  if (typeof value === 'string') {
    if (type.kind === 'datetime') return withFraction(value, type.variant === 'datetime' ? 3 : 0)
    if (type.kind === 'datetime2' || type.kind === 'time') return withFraction(value, Math.min(type.precision, 6))
  }
  return driverValue(value, { bigint: 'text', bit: 'number' })
}

/** `…ss.fffffff` with `digits` fractional digits, no point when none. */
function withFraction(value: string, digits: number): string {
  const point = value.lastIndexOf('.')
  if (point < 0) return value
  return digits === 0 ? value.slice(0, point) : value.slice(0, point + 1 + digits)
}

/** mysql2 value (dateStrings, bigNumberStrings) → CellValue; text that arrives as bytes is UTF-8. */
export function fromMysqlValue(value: unknown, type: ColumnType): CellValue {
  return readCell(value, type, WIDENED_TEMPORALS, (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)))
}

export const mysqlValues: DriverValues = { toDriver: toMysqlValue, fromDriver: fromMysqlValue }
