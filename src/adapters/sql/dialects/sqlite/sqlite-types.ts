import { type ColumnType, decimalShape } from '../../../../domain/schema/column-type.ts'
import type { DialectTypes } from '../../dialect-parts.ts'

/**
 * SQL Server type → SQLite declared type. SQLite keeps values by affinity, so the names are
 * chosen to give the right affinity while telling a reader what the source type was
 * (INTEGER for int keeps a single int key as the rowid). See the README's type table.
 */
export function renderSqliteType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return type.size === 'int' ? 'INTEGER' : type.size.toUpperCase()
    case 'bit':
      return 'BOOLEAN'
    case 'float':
      return type.size === 'real' ? 'REAL' : 'FLOAT'
    case 'decimal':
    case 'money':
      return renderExact(type)
    case 'datetime':
    case 'datetime2':
      return 'DATETIME'
    case 'datetimeoffset':
      return 'DATETIMEOFFSET'
    case 'date':
      return 'DATE'
    case 'time':
      return 'TIME'
    case 'string':
      if (type.length === 'max') return 'TEXT'
      return `${type.unicode ? 'N' : ''}${type.fixed ? 'CHAR' : 'VARCHAR'}(${type.length})`
    case 'text':
    case 'xml':
    case 'uniqueidentifier':
      return 'TEXT'
    case 'binary':
    case 'image':
      return 'BLOB'
  }
}

/**
 * SQLite keeps NUMERIC values as 64-bit floats, exact to 15 significant digits, so wider exact
 * numbers (money included) are kept as TEXT, which loses no digit; arithmetic still reads them
 * as numbers, but ORDER BY sorts them as text.
 */
function renderExact(type: ColumnType & { kind: 'decimal' | 'money' }): string {
  const { precision, scale } = decimalShape(type)!
  return precision <= 15 ? `NUMERIC(${precision},${scale})` : 'TEXT'
}

export const sqliteTypes: DialectTypes = {
  render: renderSqliteType,
  metadata: { name: 'TEXT', hash: 'TEXT', lsn: 'INTEGER', flag: 'INTEGER', document: 'TEXT', timestamp: 'TEXT' },
}
