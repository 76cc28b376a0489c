import { formatDefaultValue } from './default-value.ts'
import { formatSqlServerType } from './sql-server-type.ts'
import type { TableSchema } from './table-schema.ts'

/**
 * The canonical text of a table's schema: equal schemas give equal text whatever the spelling
 * on the wire. The application hashes it (behind a port) and keeps the hash in the metadata
 * table, so that an unchanged table costs one string comparison per TableSchema call.
 */
export function schemaFingerprint(schema: TableSchema): string {
  return JSON.stringify([
    schema.name.toLowerCase(),
    schema.columns.map((c) => [c.name, formatSqlServerType(c.type), c.nullable, formatDefaultValue(c.defaultValue)]),
    schema.key,
  ])
}
