import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import type { DialectTypes } from '../../dialect-parts.ts'

/**
 * SQL Server type → MySQL/MariaDB type, before the row-size rule (mysqlLayout, below) moves wide
 * strings out of the row. MySQL keeps microseconds, so datetime2(7)/time(7) lose their seventh
 * digit; datetimeoffset has no MySQL equal and is kept as its canonical text, offset included.
 */
export function renderMysqlType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return type.size === 'tinyint' ? 'tinyint unsigned' : type.size
    case 'bit':
      return 'tinyint(1)'
    case 'float':
      return type.size === 'real' ? 'float' : 'double'
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`
    case 'money':
      return type.size === 'money' ? 'decimal(19,4)' : 'decimal(10,4)'
    case 'datetime':
      return type.variant === 'datetime' ? 'datetime(3)' : 'datetime'
    case 'datetime2':
      return `datetime(${Math.min(type.precision, 6)})`
    case 'datetimeoffset':
      return 'varchar(34)'
    case 'date':
      return 'date'
    case 'time':
      return `time(${Math.min(type.precision, 6)})`
    case 'string':
      // varchar for char(n) too: MySQL's CHAR drops trailing spaces on read, VARCHAR keeps them.
      return type.length === 'max' ? 'longtext' : `varchar(${type.length})`
    case 'text':
    case 'xml':
      return 'longtext'
    case 'uniqueidentifier':
      return 'char(36)'
    case 'binary':
      if (type.length === 'max') return 'longblob'
      return `${type.fixed ? 'binary' : 'varbinary'}(${type.length})`
    case 'image':
      return 'longblob'
  }
}

/** Worst-case bytes a column takes of MySQL's 65,535-byte row (utf8mb4: 4 bytes a character). */
export function rowBytes(type: string): number {
  const sized = /^(\w+)(?:\((\d+)(?:,(\d+))?\))?/.exec(type)!
  const name = sized[1]!
  const n = Number(sized[2] ?? 0)
  switch (name) {
    case 'varchar':
      return 4 * n + 2
    case 'char':
      return 4 * n
    case 'varbinary':
      return n + 2
    case 'binary':
      return n
    case 'decimal':
      return 4 * Math.ceil(n / 9) + 4
    case 'tinyint':
      return 1
    case 'smallint':
      return 2
    case 'int':
    case 'float':
      return 4
    case 'bigint':
    case 'double':
    case 'datetime':
      return 8
    case 'date':
      return 3
    case 'time':
      return 6
    default:
      // TEXT and BLOB types keep a pointer in the row.
      return 12
  }
}

/** Room kept below 65,535 for the row header and NULL bitmap. */
export const ROW_LIMIT = 65_000

/**
 * The table's column types with the row-size rule applied: while the declared row exceeds the
 * limit, the widest non-key string (or varbinary) column becomes TEXT (BLOB). The same schema
 * always gives the same layout, so an ALTER can tell whether other columns would move.
 */
export function mysqlLayout(columns: readonly ColumnSchema[], key: readonly number[]): string[] {
  const types = columns.map((c) => renderMysqlType(c.type))
  let total = types.reduce((sum, t) => sum + rowBytes(t), 0)
  while (total > ROW_LIMIT) {
    let widest = -1
    types.forEach((t, i) => {
      if (key.includes(i) || !/^(var)?(char|binary)\(/.test(t)) return
      if (widest < 0 || rowBytes(t) > rowBytes(types[widest]!)) widest = i
    })
    if (widest < 0) break
    total -= rowBytes(types[widest]!)
    types[widest] = types[widest]!.includes('binary') ? 'blob' : 'text'
    total += rowBytes(types[widest]!)
  }
  return types
}

export const mysqlTypes: DialectTypes = {
  render: renderMysqlType,
  layout: (table) => mysqlLayout(table.columns, table.key),
  metadata: {
    name: 'varchar(128)',
    hash: 'varchar(128)',
    lsn: 'bigint',
    flag: 'tinyint',
    document: 'longtext',
    timestamp: 'varchar(40)',
  },
  tableOptions: 'engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin row_format=dynamic',
}
