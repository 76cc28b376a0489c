import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { formatSqlServerType } from '../../../../domain/schema/sql-server-type.ts'
import type { DialectTypes } from '../../dialect-parts.ts'

/** The mirror keeps SuperOffice's own types: the canonical SQL Server type string, no loss. */
export function renderMssqlType(type: ColumnType): string {
  return formatSqlServerType(type)
}

/**
 * What a bound value is cast to. Values travel as text in their canonical form; datetime and
 * smalldatetime cannot read seven fractional digits from text, so they go through datetime2(7).
 */
export function bindExpression(type: ColumnType): { readonly inner?: string; readonly target: string } {
  const target = renderMssqlType(type)
  if (type.kind === 'datetime') return { inner: 'datetime2(7)', target }
  return { target }
}

/**
 * How a column is selected so that tedious hands back its canonical text: dates and times
 * through CONVERT style 121 (every stored digit), exact numbers and bigint as text (tedious
 * would turn them into doubles). Undefined: the driver's own value is exact.
 */
export function readExpression(type: ColumnType): { readonly convert: string; readonly style?: number } | undefined {
  switch (type.kind) {
    case 'integer':
      return type.size === 'bigint' ? { convert: 'varchar(20)' } : undefined
    case 'decimal':
      return { convert: 'varchar(50)' }
    case 'money':
      return { convert: 'varchar(50)', style: 2 }
    case 'datetime':
    case 'datetime2':
      return { convert: 'varchar(27)', style: 121 }
    case 'datetimeoffset':
      return { convert: 'varchar(34)', style: 121 }
    case 'date':
      return { convert: 'varchar(10)', style: 23 }
    case 'time':
      return { convert: 'varchar(16)' }
    case 'uniqueidentifier':
      return { convert: 'varchar(36)' }
    default:
      return undefined
  }
}

export const mssqlTypes: DialectTypes = {
  render: renderMssqlType,
  metadata: {
    name: 'nvarchar(128)',
    hash: 'varchar(128)',
    lsn: 'bigint',
    flag: 'tinyint',
    document: 'nvarchar(max)',
    timestamp: 'varchar(40)',
  },
}
