import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { MirrorDatabasesOptions } from '../../dialect-entry.ts'
import { KyselyMirrorDatabases } from '../../kysely-mirror-databases.ts'
import type { ServerLocation } from '../../server-entry.ts'
import { MysqlConnector } from './mysql-connector.ts'
import { mysqlMirrorSql } from './mysql-mirror-sql.ts'

/** MySQL/MariaDB mirrors: a database per tenant, utf8mb4 with a binary collation. */
export function mysqlMirrorDatabases(
  location: ServerLocation,
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(mysqlMirrorSql, new MysqlConnector(location.url, options.naming), options.pool)
}
