import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import type { RenderedDefault } from '../../sql-dialect.ts'

/** Constants carry over with their type; current-time functions become PostgreSQL's; newid() becomes gen_random_uuid(). */
export function renderPostgresDefault(column: ColumnSchema): RenderedDefault {
  const value = column.defaultValue
  switch (value.kind) {
    case 'none':
      return { sql: undefined }
    case 'null':
      return { sql: 'NULL' }
    case 'number':
      if (column.type.kind === 'bit') return { sql: Number(value.text) === 0 ? 'false' : 'true' }
      if (isTextual(column)) return { sql: `'${value.text}'` }
      return { sql: value.text }
    case 'string':
      return { sql: `'${value.value.replaceAll("'", "''")}'` }
    case 'function':
      switch (value.name) {
        case 'newid':
        case 'newsequentialid':
          return column.type.kind === 'uniqueidentifier'
            ? { sql: 'gen_random_uuid()' }
            : { sql: undefined, warning: `default ${value.name}() on a non-uniqueidentifier column was dropped` }
        case 'getutcdate':
        case 'sysutcdatetime':
          return { sql: "(now() at time zone 'utc')" }
        default:
          return { sql: column.type.kind === 'datetimeoffset' ? 'now()' : 'localtimestamp' }
      }
    case 'expression':
      return { sql: undefined, warning: 'default expression is not a constant or a known function and was dropped' }
  }
}

function isTextual(column: ColumnSchema): boolean {
  return ['string', 'text', 'xml', 'uniqueidentifier'].includes(column.type.kind)
}
