import { sql } from 'kysely'
import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { DriverValues } from '../../dialect-parts.ts'
import { driverValue, readCell, WIDENED_TEMPORALS, widenFraction } from '../../driver-values.ts'
import { bindExpression } from './mssql-types.ts'

/** CellValue → tedious parameter; the SQL casts it to the column type (bindExpression). */
export function toMssqlValue(value: CellValue, _type: ColumnType): unknown {
  return driverValue(value, { bigint: 'text', bit: 'boolean' })
}

/** tedious value, after the CONVERTs of readExpression → CellValue. */
export function fromMssqlValue(value: unknown, type: ColumnType): CellValue {
  return readCell(value, type, {
    ...WIDENED_TEMPORALS,
    bit: (v) => v === true || v === 1,
    datetimeoffset: (v) => {
      // Style 121 writes `2020-05-18 10:40:43.1234567 +02:00`.
      const m = /^(.*?)\s*([+-]\d{2}:\d{2})$/.exec(String(v))
      return m ? `${widenFraction(m[1]!)}${m[2]}` : String(v)
    },
    uniqueidentifier: (v) => String(v).toUpperCase(),
  })
}

/** A bound value cast to its column's type in the SQL: tedious would otherwise guess nvarchar, int or float. */
export function bindMssqlValue(value: unknown, type: ColumnType): unknown {
  const { inner, target } = bindExpression(type)
  return inner
    ? sql`cast(cast(${value} as ${sql.raw(inner)}) as ${sql.raw(target)})`
    : sql`cast(${value} as ${sql.raw(target)})`
}

export const mssqlValues: DriverValues = { toDriver: toMssqlValue, fromDriver: fromMssqlValue, bind: bindMssqlValue }
