import type { CellValue, Row } from '../../../domain/changes/cell-value.ts'
import { identifierKey } from '../../../domain/schema/identifier.ts'
import type { TableSchema } from '../../../domain/schema/table-schema.ts'
import { canonicalValue, fastCanonical } from './source-values.ts'

/** For each primary key column, its position in the wire schema's columns. */
export function keyPositions(table: TableSchema, keyColumns: readonly string[]): number[] {
  return keyColumns.map((name) => {
    const index = table.columns.findIndex((c) => identifierKey(c.name) === identifierKey(name))
    if (index < 0) throw new Error(`source table ${table.name}: key column ${name} is not in the schema`)
    return index
  })
}

/** A row read from the table, in the wire schema's column order, as canonical CellValues. */
export function canonicalRow(table: TableSchema, raw: readonly unknown[], keyAt: readonly number[]): Row {
  const fast = fastColumns(table)
  const n = fast.length
  const row: CellValue[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const value = raw[i]
    const quick = value === null || value === undefined ? null : fast[i]!(value)
    row[i] = quick === undefined ? generalValue(table, raw, keyAt, i) : quick
  }
  return row
}

/** Each column's fast reading, made once per table schema: a full load reads millions of rows. */
const fastByTable = new WeakMap<TableSchema, readonly ((value: unknown) => CellValue | undefined)[]>()

function fastColumns(table: TableSchema): readonly ((value: unknown) => CellValue | undefined)[] {
  let fast = fastByTable.get(table)
  if (fast === undefined) {
    fast = table.columns.map((column) => fastCanonical(column.type))
    fastByTable.set(table, fast)
  }
  return fast
}

function generalValue(table: TableSchema, raw: readonly unknown[], keyAt: readonly number[], i: number): CellValue {
  const column = table.columns[i]!
  const value = canonicalValue(raw[i], column.type)
  if (!value.ok)
    throw new SourceValueError(
      table.name,
      keyAt.map((k) => raw[k]),
      column.name,
      value.error,
    )
  return value.value
}

/** What a D change carries: the key values at the key positions, NULL elsewhere. */
export function deletedRow(table: TableSchema, keyValues: readonly unknown[], keyAt: readonly number[]): Row {
  const row: CellValue[] = table.columns.map(() => null)
  keyAt.forEach((position, i) => {
    const column = table.columns[position]!
    const value = canonicalValue(keyValues[i], column.type)
    if (!value.ok) throw new SourceValueError(table.name, keyValues, column.name, value.error)
    row[position] = value.value
  })
  return row
}

/** A value that does not fit its column: names where it is, never what it is. */
export class SourceValueError extends Error {
  constructor(table: string, key: readonly unknown[], column: string, reason: string) {
    super(`source table ${table}, row with key ${describeKey(key)}, column ${column}: the value ${reason}`)
    this.name = 'SourceValueError'
  }
}

function describeKey(key: readonly unknown[]): string {
  const parts = key.map((k) =>
    k instanceof Uint8Array ? `0x${Buffer.from(k).toString('hex').slice(0, 32)}` : String(k).slice(0, 60),
  )
  return `(${parts.join(', ')})`
}
