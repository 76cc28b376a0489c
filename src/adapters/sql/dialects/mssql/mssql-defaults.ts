import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import { quotedLiteral, renderDefaultBy } from '../../default-rendering.ts'
import type { RenderedDefault } from '../../sql-dialect.ts'

/** SQL Server takes SuperOffice's defaults as they are, re-rendered from the parsed value. */
export function renderMssqlDefault(column: ColumnSchema): RenderedDefault {
  return renderDefaultBy(column, {
    null: '(NULL)',
    number: (text) => ({ sql: `((${text}))` }),
    string: (value, unicode) => ({ sql: `(${unicode ? 'N' : ''}${quotedLiteral(value)})` }),
    function: (name) => ({ sql: `(${name}())` }),
  })
}
