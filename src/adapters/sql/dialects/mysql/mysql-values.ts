import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import { fitDecimal } from '../../../../domain/changes/exact-decimal.ts'
import { type ColumnType, decimalShape } from '../../../../domain/schema/column-type.ts'

/** CellValue → mysql2 parameter. */
export function toMysqlValue(value: CellValue, type: ColumnType): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  // MySQL keeps six fractional digits; the seventh is cut, never rounded into the next second.
  if (typeof value === 'string' && (type.kind === 'datetime2' || type.kind === 'time')) {
    return value.replace(/(\.\d{6})\d/, '$1')
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
    case 'money': {
      const shape = decimalShape(type)!
      const fitted = fitDecimal(String(value), shape.precision, shape.scale)
      return fitted.ok ? fitted.value : String(value)
    }
    case 'datetime':
    case 'datetime2':
    case 'time':
      return String(value).replace(
        /(\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?/,
        (_, hms: string, f = '') => `${hms}.${f.padEnd(7, '0')}`,
      )
    case 'binary':
    case 'image':
      return new Uint8Array(value as Buffer)
    default:
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value)
  }
}
