import type { CellValue } from '../../domain/changes/cell-value.ts'
import { fitDecimal } from '../../domain/changes/exact-decimal.ts'
import { type ColumnType, decimalShape } from '../../domain/schema/column-type.ts'

/**
 * What every engine's value reading shares: engines print fewer fractional digits than the
 * canonical seven, and exact numbers as text that the domain brings to the column's scale.
 */

/** `HH:MM:SS[.fff]` anywhere in the text → exactly seven fractional digits. */
export function widenFraction(text: string): string {
  return text.replace(
    /(\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?/,
    (_, hms: string, fraction = '') => `${hms}.${fraction.padEnd(7, '0')}`,
  )
}

/** An exact number as the engine printed it → the canonical decimal of the column's scale. */
export function exactDecimal(value: unknown, type: ColumnType): CellValue {
  const shape = decimalShape(type)!
  const text = String(value).trim()
  const fitted = fitDecimal(text, shape.precision, shape.scale)
  return fitted.ok ? fitted.value : text
}

/** Six fractional digits at most: the seventh is cut, never rounded into the next second. */
export function cutSeventhDigit(value: string): string {
  return value.replace(/(\.\d{6})\d/, '$1')
}
