import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation } from '../../database-location.ts'
import { KyselyMirrorDatabases } from '../../kysely-mirror-databases.ts'
import type { MirrorDatabasesOptions } from '../../mirror-databases.ts'
import { PostgresConnector } from './postgres-connector.ts'
import { PostgresDialect } from './postgres-dialect.ts'

/** PostgreSQL mirrors: a database (or, with `--tenant-layout schema`, a schema) per tenant. */
export function postgresMirrorDatabases(
  location: DatabaseLocation & { kind: 'postgres' },
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(
    new PostgresDialect(),
    new PostgresConnector(location.url, location.layout, options.naming),
    options.pool,
  )
}
