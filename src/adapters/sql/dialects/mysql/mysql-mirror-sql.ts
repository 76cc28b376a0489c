import { sql } from 'kysely'
import type { DialectParts } from '../../dialect-parts.ts'
import type { Db, SqlDialect } from '../../sql-dialect.ts'
import { deleteAllRows, standardDdl } from '../../standard-ddl.ts'
import { standardDml } from '../../standard-dml.ts'
import { mysqlAlter } from './mysql-alter.ts'
import { MYSQL_CAPABILITIES } from './mysql-capabilities.ts'
import { renderMysqlDefault } from './mysql-defaults.ts'
import { mysqlErrors } from './mysql-errors.ts'
import { mysqlLocks } from './mysql-locks.ts'
import { mysqlTypes } from './mysql-types.ts'
import { mysqlUpsert } from './mysql-upsert.ts'
import { mysqlValues } from './mysql-values.ts'

const parts: DialectParts = {
  capabilities: MYSQL_CAPABILITIES,
  types: mysqlTypes,
  defaults: renderMysqlDefault,
  values: mysqlValues,
}

/** The SQL of MySQL/MariaDB mirrors; the LOAD DATA path comes with the connector (mysql-bulk.ts). */
export const mysqlMirrorSql: SqlDialect = {
  name: 'mysql',
  capabilities: MYSQL_CAPABILITIES,
  errors: mysqlErrors,
  // DELETE, not TRUNCATE: TRUNCATE would commit the caller's transaction in MySQL.
  ddl: { ...standardDdl(parts), alterTable: mysqlAlter(parts), truncateTable: deleteAllRows, listTables },
  dml: { ...standardDml(parts), upsertRows: mysqlUpsert(parts) },
  locks: mysqlLocks,
}

async function listTables(db: Db, only?: readonly string[]): Promise<readonly string[]> {
  if (only?.length === 0) return []
  const among = only ? sql` and lower(table_name) in (${sql.join(only)})` : sql``
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = database() and table_type = 'BASE TABLE'${among}`.execute(db)
  return rows.map((r) => r.name)
}
