import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { DialectTypes } from '../../dialect-parts.ts'

/**
 * SQL Server type → PostgreSQL type. PostgreSQL keeps microseconds, so the seventh fractional
 * digit of datetime2/time/datetimeoffset is rounded away, and timestamptz keeps the instant, not
 * the original offset (read back as +00:00). The README's type table lists every loss.
 */
export function renderPostgresType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return { tinyint: 'smallint', smallint: 'smallint', int: 'integer', bigint: 'bigint' }[type.size]
    case 'bit':
      return 'boolean'
    case 'float':
      return type.size === 'real' ? 'real' : 'double precision'
    case 'decimal':
      return `numeric(${type.precision},${type.scale})`
    case 'money':
      return type.size === 'money' ? 'numeric(19,4)' : 'numeric(10,4)'
    case 'datetime':
      return type.variant === 'datetime' ? 'timestamp(3)' : 'timestamp(0)'
    case 'datetime2':
      return `timestamp(${Math.min(type.precision, 6)})`
    case 'datetimeoffset':
      return `timestamptz(${Math.min(type.precision, 6)})`
    case 'date':
      return 'date'
    case 'time':
      return `time(${Math.min(type.precision, 6)})`
    case 'string':
      if (type.length === 'max') return 'text'
      return `${type.fixed ? 'char' : 'varchar'}(${type.length})`
    case 'text':
    case 'xml':
      // xml as text: PostgreSQL's xml type would refuse fragments SQL Server accepts.
      return 'text'
    case 'uniqueidentifier':
      return 'uuid'
    case 'binary':
    case 'image':
      return 'bytea'
  }
}

export const postgresTypes: DialectTypes = {
  render: renderPostgresType,
  metadata: { name: 'text', hash: 'text', lsn: 'bigint', flag: 'smallint', document: 'text', timestamp: 'text' },
}
