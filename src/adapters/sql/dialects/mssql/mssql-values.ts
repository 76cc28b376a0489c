import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import { fitDecimal } from '../../../../domain/changes/exact-decimal.ts'
import { type ColumnType, decimalShape } from '../../../../domain/schema/column-type.ts'

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
    case 'money': {
      const shape = decimalShape(type)!
      const fitted = fitDecimal(String(value).trim(), shape.precision, shape.scale)
      return fitted.ok ? fitted.value : String(value)
    }
    case 'datetime':
    case 'datetime2':
      return widen(String(value))
    case 'datetimeoffset': {
      // Style 121 writes `2020-05-18 10:40:43.1234567 +02:00`.
      const m = /^(.*?)\s*([+-]\d{2}:\d{2})$/.exec(String(value))
      return m ? `${widen(m[1]!)}${m[2]}` : String(value)
    }
    case 'time':
      return widen(String(value))
    case 'uniqueidentifier':
      return String(value).toUpperCase()
    case 'binary':
    case 'image':
      return new Uint8Array(value as Buffer)
    default:
      return String(value)
  }
}

function widen(text: string): string {
  return text.replace(/(\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?/, (_, hms: string, f = '') => `${hms}.${f.padEnd(7, '0')}`)
}
