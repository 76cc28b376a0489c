import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { exactDecimal, widenFraction } from '../../driver-values.ts'

/** CellValue → tedious parameter; the SQL casts it to the column type (bindExpression). */
export function toMssqlValue(value: CellValue, _type: ColumnType): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return value
}

/** tedious value, after the CONVERTs of readExpression → CellValue. */
export function fromMssqlValue(value: unknown, type: ColumnType): CellValue {
  if (value === null || value === undefined) return null
  switch (type.kind) {
    case 'integer':
      return type.size === 'bigint' ? BigInt(value as string) : Number(value)
    case 'bit':
      return value === true || value === 1
    case 'float':
      return Number(value)
    case 'decimal':
    case 'money':
      return exactDecimal(value, type)
    case 'datetime':
    case 'datetime2':
      return widenFraction(String(value))
    case 'datetimeoffset': {
      // Style 121 writes `2020-05-18 10:40:43.1234567 +02:00`.
      const m = /^(.*?)\s*([+-]\d{2}:\d{2})$/.exec(String(value))
      return m ? `${widenFraction(m[1]!)}${m[2]}` : String(value)
    }
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
