import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import { renderDefaultBy } from '../../default-rendering.ts'
import type { RenderedDefault } from '../../sql-dialect.ts'

/**
 * Constants carry over (MariaDB 10.2+ takes them on TEXT and BLOB too); current-time functions
 * become CURRENT_TIMESTAMP with the column's own precision, which MySQL requires; anything else
 * is dropped with a warning (rows always carry full values).
 */
export function renderMysqlDefault(column: ColumnSchema, type: string): RenderedDefault {
  return renderDefaultBy(column, {
    null: 'NULL',
    number: (text) => ({ sql: /^(var)?(char|binary)|text|blob/.test(type) ? `'${text}'` : text }),
    string: (value) => {
      if (!/^(datetime|date|time)/.test(type)) {
        return { sql: `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` }
      }
      const temporal = temporalLiteral(value)
      return temporal === undefined
        ? { sql: undefined, warning: `default '${value.slice(0, 40)}' is not a date MySQL reads and was dropped` }
        : { sql: `'${temporal}'` }
    },
    function: (name) => {
      const datetime = /^datetime(?:\((\d)\))?$/.exec(type)
      if (!datetime || name === 'newid' || name === 'newsequentialid') {
        return { sql: undefined, warning: `default ${name}() has no MySQL equivalent for ${type} and was dropped` }
      }
      const utc = name === 'getutcdate' || name === 'sysutcdatetime'
      const fsp = datetime[1] ? `(${datetime[1]})` : ''
      return { sql: utc ? `(UTC_TIMESTAMP${fsp})` : `CURRENT_TIMESTAMP${fsp}` }
    },
  })
}

/** SQL Server's date literals (`17600101 00:00:00`, `1760-01-01T00:00:00.000`) in the form MySQL reads. */
function temporalLiteral(text: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?$/.exec(text.trim())
  if (!m) return undefined
  const date = `${m[1]}-${m[2]}-${m[3]}`
  return m[4] === undefined ? date : `${date} ${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}`
}
