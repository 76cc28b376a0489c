import type { CellValue } from '../../domain/changes/cell-value.ts'
import { fitDecimal } from '../../domain/changes/exact-decimal.ts'
import { type ColumnType, decimalShape } from '../../domain/schema/column-type.ts'
import type { ColumnSchema } from '../../domain/schema/table-schema.ts'

/** The value a column's default gives an existing row; what an engine's ADD COLUMN does. */
export function defaultCell(column: ColumnSchema): CellValue {
  const value = column.defaultValue
  if (value.kind === 'number') return convertCell(value.text, column.type)
  if (value.kind === 'string') return convertCell(value.value, column.type)
  return null
}

/** A value carried over into a widened type, in the canonical form of the new type. */
export function convertCell(value: CellValue, type: ColumnType): CellValue {
  if (value === null) return null
  switch (type.kind) {
    case 'integer':
      return type.size === 'bigint' ? BigInt(value as number) : Number(value)
    case 'float':
      return Number(value)
    case 'bit':
      return value === true || Number(value) === 1
    case 'decimal':
    case 'money': {
      const shape = decimalShape(type)!
      const fitted = fitDecimal(String(value), shape.precision, shape.scale)
      return fitted.ok ? fitted.value : null
    }
    default:
      return value
  }
}

export function compareCells(a: CellValue, b: CellValue): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : 1
  if (a instanceof Uint8Array || b instanceof Uint8Array) return String(a) < String(b) ? -1 : 1
  return (a as number) < (b as number) ? -1 : 1
}
