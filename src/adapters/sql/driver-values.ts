import type { CellValue } from '../../domain/changes/cell-value.ts'
import { fitDecimal } from '../../domain/changes/exact-decimal.ts'
import { type ColumnKind, type ColumnType, decimalShape } from '../../domain/schema/column-type.ts'

/**
 * What every engine's value conversion shares: parameters as the drivers take them, engines
 * printing fewer fractional digits than the canonical seven, and exact numbers as text that
 * the domain brings to the column's scale.
 */

/** How an engine reads the values of some column kinds back; `readCell` reads the rest alike. */
export type CellReaders = Partial<Record<ColumnKind, (value: unknown, type: ColumnType) => CellValue>>

const SHARED_READERS: CellReaders = {
  integer: (value, type) =>
    type.kind === 'integer' && type.size === 'bigint' ? BigInt(value as string) : Number(value),
  bit: (value) => Number(value) !== 0,
  float: Number,
  decimal: exactDecimal,
  money: exactDecimal,
  binary: (value) => new Uint8Array(value as Buffer),
  image: (value) => new Uint8Array(value as Buffer),
}

/** Dates and times as the engines print them, widened to the canonical seven fractional digits. */
export const WIDENED_TEMPORALS: CellReaders = {
  datetime: (value) => widenFraction(String(value)),
  datetime2: (value) => widenFraction(String(value)),
  time: (value) => widenFraction(String(value)),
}

/** A driver value → CellValue: NULL, the engine's own readers, then the shared ones, else text. */
export function readCell(
  value: unknown,
  type: ColumnType,
  own: CellReaders,
  text: (value: unknown) => string = String,
): CellValue {
  if (value === null || value === undefined) return null
  const read = own[type.kind] ?? SHARED_READERS[type.kind]
  return read ? read(value, type) : text(value)
}

/** CellValue → driver parameter: bytes as a Buffer; bigint as text and booleans as 1/0 where the engine wants them so. */
export function driverValue(
  value: CellValue,
  as: { readonly bigint: 'text' | 'bigint'; readonly bit: 'number' | 'boolean' },
): unknown {
  if (typeof value === 'bigint' && as.bigint === 'text') return value.toString()
  if (typeof value === 'boolean' && as.bit === 'number') return value ? 1 : 0
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return value
}

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
