import type { DialectTypes } from '../../../../src/adapters/sql/dialect-parts.ts'
import { sqliteTypes } from '../../../../src/adapters/sql/dialects/sqlite/sqlite-types.ts'
import type { ColumnType } from '../../../../src/domain/schema/column-type.ts'

/**
 * SQL Server type → the five types a STRICT table takes. Exact numbers, dates and text are
 * TEXT (nothing is rounded through a REAL), bytes are BLOB; SQLite then refuses any value of
 * another type instead of keeping it by affinity.
 */
export function renderStrictType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
    case 'bit':
      return 'INTEGER'
    case 'float':
      return 'REAL'
    case 'binary':
    case 'image':
      return 'BLOB'
    default:
      return 'TEXT'
  }
}

export const sqliteStrictTypes: DialectTypes = {
  render: renderStrictType,
  metadata: sqliteTypes.metadata,
  tableOptions: 'strict',
}
