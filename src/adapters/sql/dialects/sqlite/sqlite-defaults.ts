import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import type { RenderedDefault } from '../../sql-dialect.ts'

/** Constants carry over; the current-time functions become CURRENT_TIMESTAMP; the rest is dropped. */
export function renderSqliteDefault(column: ColumnSchema): RenderedDefault {
  const value = column.defaultValue
  switch (value.kind) {
    case 'none':
      return { sql: undefined }
    case 'null':
      return { sql: 'NULL' }
    case 'number':
      return { sql: value.text }
    case 'string':
      return { sql: `'${value.value.replaceAll("'", "''")}'` }
    case 'function':
      return value.name === 'newid' || value.name === 'newsequentialid'
        ? { sql: undefined, warning: `default ${value.name}() has no SQLite equivalent and was dropped` }
        : { sql: 'CURRENT_TIMESTAMP' }
    case 'expression':
      return { sql: undefined, warning: 'default expression is not a constant or a known function and was dropped' }
  }
}

/** SQLite's ADD COLUMN takes only constant defaults, and a NOT NULL column needs one. */
export function canAddColumn(column: ColumnSchema, rendered: RenderedDefault): boolean {
  if (rendered.sql === 'CURRENT_TIMESTAMP') return false
  return column.nullable || (rendered.sql !== undefined && rendered.sql !== 'NULL')
}
