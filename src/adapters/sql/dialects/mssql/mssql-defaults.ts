import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import type { RenderedDefault } from '../../sql-dialect.ts'

/**
 * SQL Server takes SuperOffice's defaults as they are. They are re-rendered from the parsed
 * value, never copied from the wire: an expression the parser does not know is dropped with a
 * warning like on every other engine.
 */
export function renderMssqlDefault(column: ColumnSchema): RenderedDefault {
  const value = column.defaultValue
  switch (value.kind) {
    case 'none':
      return { sql: undefined }
    case 'null':
      return { sql: '(NULL)' }
    case 'number':
      return { sql: `((${value.text}))` }
    case 'string':
      return { sql: `(${value.unicode ? 'N' : ''}'${value.value.replaceAll("'", "''")}')` }
    case 'function':
      return { sql: `(${value.name}())` }
    case 'expression':
      return { sql: undefined, warning: 'default expression is not a constant or a known function and was dropped' }
  }
}
