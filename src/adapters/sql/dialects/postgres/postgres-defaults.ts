import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import { quotedLiteral, renderDefaultBy } from '../../default-rendering.ts'
import type { RenderedDefault } from '../../sql-dialect.ts'

/** Constants carry over with their type; current-time functions become PostgreSQL's; newid() becomes gen_random_uuid(). */
export function renderPostgresDefault(column: ColumnSchema): RenderedDefault {
  return renderDefaultBy(column, {
    null: 'NULL',
    number: (text) => {
      if (column.type.kind === 'bit') return { sql: Number(text) === 0 ? 'false' : 'true' }
      return { sql: isTextual(column) ? `'${text}'` : text }
    },
    string: (value) => ({ sql: quotedLiteral(value) }),
    function: (name) => {
      switch (name) {
        case 'newid':
        case 'newsequentialid':
          return column.type.kind === 'uniqueidentifier'
            ? { sql: 'gen_random_uuid()' }
            : { sql: undefined, warning: `default ${name}() on a non-uniqueidentifier column was dropped` }
        case 'getutcdate':
        case 'sysutcdatetime':
          return { sql: "(now() at time zone 'utc')" }
        default:
          return { sql: column.type.kind === 'datetimeoffset' ? 'now()' : 'localtimestamp' }
      }
    },
  })
}

function isTextual(column: ColumnSchema): boolean {
  return ['string', 'text', 'xml', 'uniqueidentifier'].includes(column.type.kind)
}
