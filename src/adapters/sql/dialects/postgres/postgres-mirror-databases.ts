import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { MirrorDatabasesOptions } from '../../dialect-entry.ts'
import { KyselyMirrorDatabases } from '../../kysely-mirror-databases.ts'
import type { ServerLocation } from '../../server-entry.ts'
import { PostgresConnector } from './postgres-connector.ts'
import { postgresMirrorSql } from './postgres-mirror-sql.ts'

/** PostgreSQL mirrors: a database (or, with `--tenant-layout schema`, a schema) per tenant. */
export function postgresMirrorDatabases(
  location: ServerLocation,
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(
    postgresMirrorSql,
    new PostgresConnector(location.url, location.layout ?? 'database', options.naming, options.durableCommits),
    options.pool,
  )
}
