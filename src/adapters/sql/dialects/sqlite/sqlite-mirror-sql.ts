import { sql } from 'kysely'
import type { DialectParts } from '../../dialect-parts.ts'
import type { Db, SqlDialect } from '../../sql-dialect.ts'
import { deleteAllRows, standardDdl } from '../../standard-ddl.ts'
import { standardDml } from '../../standard-dml.ts'
import { sqliteAlter } from './sqlite-alter.ts'
import { SQLITE_CAPABILITIES } from './sqlite-capabilities.ts'
import { renderSqliteDefault } from './sqlite-defaults.ts'
import { sqliteErrors } from './sqlite-errors.ts'
import { sqliteTypes } from './sqlite-types.ts'
import { sqliteValues } from './sqlite-values.ts'

export const sqliteParts: DialectParts = {
  capabilities: SQLITE_CAPABILITIES,
  types: sqliteTypes,
  defaults: renderSqliteDefault,
  values: sqliteValues,
}

/**
 * The SQL of SQLite mirrors from its parts. A flavour of SQLite passes other parts (STRICT
 * tables: other types) and keeps the rest: the rebuilding ALTER, the values, the errors.
 */
export function sqliteMirrorSqlOf(parts: DialectParts, name = 'sqlite'): SqlDialect {
  const ddl = standardDdl(parts)
  return {
    name,
    capabilities: parts.capabilities,
    errors: sqliteErrors,
    ddl: {
      ...ddl,
      alterTable: sqliteAlter(parts, ddl.createTable),
      truncateTable: deleteAllRows,
      listTables: listSqliteTables,
    },
    dml: standardDml(parts),
  }
}

export const sqliteMirrorSql: SqlDialect = sqliteMirrorSqlOf(sqliteParts)

async function listSqliteTables(db: Db, only?: readonly string[]): Promise<readonly string[]> {
  if (only?.length === 0) return []
  const among = only ? sql` and lower(name) in (${sql.join(only)})` : sql``
  const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table'${among}`.execute(db)
  return rows.map((r) => r.name)
}
