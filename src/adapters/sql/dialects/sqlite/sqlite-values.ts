import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { DriverValues } from '../../dialect-parts.ts'
import { driverValue, readCell } from '../../driver-values.ts'

/** CellValue → better-sqlite3 parameter. Dates stay canonical text, which SQLite's date functions read. */
export function toSqliteValue(value: CellValue, _type: ColumnType): unknown {
  return driverValue(value, { bigint: 'bigint', bit: 'number' })
}

/** SQLite keeps whatever was written: text in a BLOB column comes back as its UTF-8 bytes. */
const bytes = (value: unknown) =>
  value instanceof Uint8Array ? new Uint8Array(value) : new TextEncoder().encode(String(value))

/** better-sqlite3 value (integers as BigInt: the connection uses safe integers) → CellValue. */
export function fromSqliteValue(value: unknown, type: ColumnType): CellValue {
  return readCell(value, type, { binary: bytes, image: bytes })
}

export const sqliteValues: DriverValues = { toDriver: toSqliteValue, fromDriver: fromSqliteValue }
