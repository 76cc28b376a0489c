import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import { quotedLiteral, renderDefaultBy } from '../../default-rendering.ts'
import type { RenderedDefault } from '../../sql-dialect.ts'

/** Constants carry over; the current-time functions become CURRENT_TIMESTAMP; the rest is dropped. */
export function renderSqliteDefault(column: ColumnSchema): RenderedDefault {
  return renderDefaultBy(column, {
    null: 'NULL',
    number: (text) => ({ sql: text }),
    string: (value) => ({ sql: quotedLiteral(value) }),
    function: (name) =>
      name === 'newid' || name === 'newsequentialid'
        ? { sql: undefined, warning: `default ${name}() has no SQLite equivalent and was dropped` }
        : { sql: 'CURRENT_TIMESTAMP' },
  })
}

/** SQLite's ADD COLUMN takes only constant defaults, and a NOT NULL column needs one. */
export function canAddColumn(column: ColumnSchema, rendered: RenderedDefault): boolean {
  if (rendered.sql === 'CURRENT_TIMESTAMP') return false
  return column.nullable || (rendered.sql !== undefined && rendered.sql !== 'NULL')
}
