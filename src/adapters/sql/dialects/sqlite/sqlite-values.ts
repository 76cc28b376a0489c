import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { exactDecimal } from '../../driver-values.ts'

/** CellValue → better-sqlite3 parameter. Dates stay canonical text, which SQLite's date functions read. */
export function toSqliteValue(value: CellValue, _type: ColumnType): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return value
}

/** better-sqlite3 value (integers as BigInt: the connection uses safe integers) → CellValue. */
export function fromSqliteValue(value: unknown, type: ColumnType): CellValue {
  if (value === null || value === undefined) return null
  switch (type.kind) {
    case 'integer':
      return type.size === 'bigint' ? BigInt(value as bigint | number) : Number(value)
    case 'bit':
      return Number(value) !== 0
    case 'float':
      return Number(value)
    case 'decimal':
    case 'money':
      return exactDecimal(value, type)
    case 'binary':
    case 'image':
      return value instanceof Uint8Array ? new Uint8Array(value) : new TextEncoder().encode(String(value))
    default:
      return String(value)
  }
}
