import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { exactDecimal, widenFraction } from '../../driver-values.ts'

/** CellValue → mysql2 parameter. */
export function toMysqlValue(value: CellValue, type: ColumnType): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  // As many fractional digits as the column keeps (mysql-types.ts): the ones beyond are zeros,
  // but the seventh of datetime2(7)/time(7), which is cut, never rounded into the next second.
  // The server would cut them too, with a note for each value, which a LOAD counts as a warning.
  if (typeof value === 'string') {
    if (type.kind === 'datetime') return withFraction(value, type.variant === 'datetime' ? 3 : 0)
    if (type.kind === 'datetime2' || type.kind === 'time') return withFraction(value, Math.min(type.precision, 6))
  }
  return value
}

/** `…ss.fffffff` with `digits` fractional digits, no point when none. */
function withFraction(value: string, digits: number): string {
  const point = value.lastIndexOf('.')
  if (point < 0) return value
  return digits === 0 ? value.slice(0, point) : value.slice(0, point + 1 + digits)
}

/** mysql2 value (dateStrings, bigNumberStrings) → CellValue. */
export function fromMysqlValue(value: unknown, type: ColumnType): CellValue {
  if (value === null || value === undefined) return null
  switch (type.kind) {
    case 'integer':
      return type.size === 'bigint' ? BigInt(value as string | number) : Number(value)
    case 'bit':
      return Number(value) !== 0
    case 'float':
      return Number(value)
    case 'decimal':
    case 'money':
      return exactDecimal(value, type)
    case 'datetime':
    case 'datetime2':
    case 'time':
      return widenFraction(String(value))
    case 'binary':
    case 'image':
      return new Uint8Array(value as Buffer)
    default:
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value)
  }
}
