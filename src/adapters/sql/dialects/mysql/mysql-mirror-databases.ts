import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation } from '../../database-location.ts'
import { KyselyMirrorDatabases } from '../../kysely-mirror-databases.ts'
import type { MirrorDatabasesOptions } from '../../mirror-databases.ts'
import { MysqlConnector } from './mysql-connector.ts'
import { MysqlDialect } from './mysql-dialect.ts'

/** MySQL/MariaDB mirrors: a database per tenant, utf8mb4 with a binary collation. */
export function mysqlMirrorDatabases(
  location: DatabaseLocation & { kind: 'mysql' },
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(new MysqlDialect(), new MysqlConnector(location.url, options.naming), options.pool)
}
