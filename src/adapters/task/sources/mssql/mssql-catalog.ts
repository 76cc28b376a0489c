import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import { NO_DEFAULT, parseDefaultValue } from '../../../../domain/schema/default-value.ts'
import { parseSqlServerType } from '../../../../domain/schema/sql-server-type.ts'
import { keyableType, type SourceColumn, sourceTableToWire } from '../source-schema.ts'
import type { CatalogRow } from './mssql-source-statements.ts'

/** A catalog column's SQL Server type string: sys.columns keeps byte lengths, nvarchar counts characters. */
export function catalogType(row: CatalogRow): string {
  const name = row.type_name.toLowerCase()
  switch (name) {
    case 'nvarchar':
    case 'nchar':
      return `${name}(${row.max_length === -1 ? 'max' : row.max_length / 2})`
    case 'varchar':
    case 'char':
    case 'varbinary':
    case 'binary':
      return `${name}(${row.max_length === -1 ? 'max' : row.max_length})`
    case 'decimal':
    case 'numeric':
      return `${name}(${row.precision},${row.scale})`
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return `${name}(${row.scale})`
    default:
      return name
  }
}

/**
 * The catalog rows of the statement, grouped into wire schemas: key columns first, SQL Server
 * type strings, `default (…)` as SuperOffice's Mirroring Task sends them. A column whose type
 * the protocol cannot carry fails by name.
 */
export function catalogToWire(rows: readonly CatalogRow[]): WireTableSchema[] {
  const tables = new Map<string, SourceColumn[]>()
  for (const row of rows) {
    const type = parseSqlServerType(catalogType(row))
    if (!type.ok) {
      throw new Error(
        `source table ${row.table_name}, column ${row.column_name}: type ${row.type_name} cannot be mirrored`,
      )
    }
    const parsed = row.default_definition ? parseDefaultValue(`default ${row.default_definition}`) : undefined
    const keyPosition = row.key_ordinal ? Number(row.key_ordinal) : undefined
    const columns = tables.get(row.table_name) ?? []
    columns.push({
      name: row.column_name,
      type: keyPosition === undefined ? type.value : keyableType(type.value),
      nullable: Boolean(row.is_nullable),
      defaultValue: parsed?.ok ? parsed.value : NO_DEFAULT,
      keyPosition,
    })
    tables.set(row.table_name, columns)
  }
  return [...tables].map(([name, columns]) => sourceTableToWire(name, columns))
}
