import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation } from '../../database-location.ts'
import { KyselyMirrorDatabases } from '../../kysely-mirror-databases.ts'
import type { MirrorDatabasesOptions } from '../../mirror-databases.ts'
import { MssqlConnector } from './mssql-connector.ts'
import { MssqlDialect } from './mssql-dialect.ts'

/** SQL Server mirrors: a database per tenant, SuperOffice's own types. */
export function mssqlMirrorDatabases(
  location: DatabaseLocation & { kind: 'mssql' },
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(new MssqlDialect(), new MssqlConnector(location.url, options.naming), options.pool)
}
