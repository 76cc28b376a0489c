import { type RawBuilder, sql } from 'kysely'
import type { CellValue, Row } from '../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../domain/schema/column-type.ts'
import type { ColumnSchema, TableSchema } from '../../domain/schema/table-schema.ts'
import type { DialectCapabilities, MetadataTypes, RenderedDefault } from './sql-dialect.ts'

/**
 * What an engine's statements are built from (standard-ddl.ts, standard-dml.ts, and the
 * statements a dialect writes its own way): its limits, types, defaults and values.
 */
export interface DialectParts {
  readonly capabilities: DialectCapabilities
  readonly types: DialectTypes
  readonly defaults: RenderDefault
  readonly values: DriverValues
  /** Parameters one statement may carry when fewer than the engine's limit (SQL Server keeps room for its own). */
  readonly parametersPerStatement?: number
}

export interface DialectTypes {
  /** The engine's column type for a SQL Server type; the loss each accepts is in the README. */
  render(type: ColumnType): string
  /** A whole table's column types, where one depends on the others (MySQL's row size); default: `render` each. */
  layout?(table: TableSchema): readonly string[]
  /** Engine types of the metadata table's columns. */
  readonly metadata: MetadataTypes
  /** What follows a CREATE TABLE's column list (MySQL's engine and charset, SQLite's STRICT). */
  readonly tableOptions?: string
}

/** The engine's default clause body for a column of the given engine type, or why it was dropped. */
export type RenderDefault = (column: ColumnSchema, type: string) => RenderedDefault

export interface DriverValues {
  /** Engine value for a CellValue of the given column type. */
  toDriver(value: CellValue, type: ColumnType): unknown
  /** CellValue for a value the engine returned. */
  fromDriver(value: unknown, type: ColumnType): CellValue
  /** How a bound value enters the SQL; SQL Server casts it to its column's type (anchors §4.5). */
  bind?(value: unknown, type: ColumnType): unknown
}

export function keyNames(table: TableSchema): string[] {
  return table.key.map((i) => table.columns[i]!.name)
}

export function* chunks<T>(items: readonly T[], size: number): Iterable<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}

/** The engine types of a table's columns, in column order. */
export function columnTypes(parts: DialectParts, table: TableSchema): readonly string[] {
  return parts.types.layout?.(table) ?? table.columns.map((c) => parts.types.render(c.type))
}

export function rowsPerStatement(parts: DialectParts, columns: number): number {
  const parameters = parts.parametersPerStatement ?? parts.capabilities.maxBindParameters
  return Math.max(1, Math.min(1000, Math.floor(parameters / Math.max(1, columns))))
}

/** One CellValue as it is bound: converted for the engine, then bound its way. */
export function boundValue(parts: DialectParts, value: CellValue, type: ColumnType): unknown {
  const converted = parts.values.toDriver(value, type)
  return parts.values.bind ? parts.values.bind(converted, type) : converted
}

/** `(?, ?), (?, ?)` with every value converted for the engine. */
export function valueList(
  parts: DialectParts,
  columns: readonly ColumnSchema[],
  rows: readonly Row[],
): RawBuilder<unknown> {
  return sql.join(rows.map((row) => sql`(${sql.join(columns.map((c, i) => boundValue(parts, row[i]!, c.type)))})`))
}

/** A constraint name within the engine's identifier limit, unique per table. */
export function constraintName(parts: DialectParts, prefix: string, table: string): string {
  const limit = parts.capabilities.maxIdentifierLength
  const name = `${prefix}_${table}`
  if (name.length <= limit) return name
  let hash = 0
  for (const ch of table) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0
  const suffix = `_${(hash >>> 0).toString(36)}`
  return name.slice(0, limit - suffix.length) + suffix
}

/** `table t, column c: <why>` for a default the engine dropped, added to `warnings`. */
export function noteDropped(warnings: string[], table: string, column: string, rendered: RenderedDefault): void {
  if (rendered.warning) warnings.push(`table ${table}, column ${column}: ${rendered.warning}`)
}
