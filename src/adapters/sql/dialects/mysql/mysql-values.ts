import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { cutSeventhDigit, exactDecimal, widenFraction } from '../../driver-values.ts'

/** CellValue → mysql2 parameter. */
export function toMysqlValue(value: CellValue, type: ColumnType): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  // MySQL keeps six fractional digits; the seventh is cut, never rounded into the next second.
  if (typeof value === 'string' && (type.kind === 'datetime2' || type.kind === 'time')) {
    return cutSeventhDigit(value)
  }
  return value
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
