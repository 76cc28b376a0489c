import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { MirrorDatabasesOptions } from '../../dialect-entry.ts'
import { KyselyMirrorDatabases } from '../../kysely-mirror-databases.ts'
import type { ServerLocation } from '../../server-entry.ts'
import { MssqlConnector } from './mssql-connector.ts'
import { mssqlMirrorSql } from './mssql-mirror-sql.ts'

/** SQL Server mirrors: a database per tenant, SuperOffice's own types. */
export function mssqlMirrorDatabases(
  location: ServerLocation,
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(mssqlMirrorSql, new MssqlConnector(location.url, options.naming), options.pool)
}
