import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { InMemoryMirrorDatabases } from '../memory/in-memory-mirror-database.ts'
import type { DatabaseLocation } from './database-location.ts'
import { mssqlMirrorDatabases } from './dialects/mssql/mssql-mirror-databases.ts'
import { mysqlMirrorDatabases } from './dialects/mysql/mysql-mirror-databases.ts'
import { postgresMirrorDatabases } from './dialects/postgres/postgres-mirror-databases.ts'
import { SqliteConnector } from './dialects/sqlite/sqlite-connector.ts'
import { SqliteDialect } from './dialects/sqlite/sqlite-dialect.ts'
import { KyselyMirrorDatabases, type PoolOptions } from './kysely-mirror-databases.ts'

export interface MirrorDatabasesOptions {
  /** Tenant → mirror database (or schema) name, already checked to be a plain name. */
  readonly naming: (contextId: ContextId) => string
  readonly pool: PoolOptions
}

/** The mirror database provider for a `--database` location: the dialect registry. */
export function openMirrorDatabases(
  location: DatabaseLocation,
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  switch (location.kind) {
    case 'memory':
      return new InMemoryMirrorDatabases()
    case 'sqlite':
      return new KyselyMirrorDatabases(
        new SqliteDialect(),
        new SqliteConnector(location.dir, options.naming),
        options.pool,
      )
    case 'postgres':
      return postgresMirrorDatabases(location, options)
    case 'mysql':
      return mysqlMirrorDatabases(location, options)
    case 'mssql':
      return mssqlMirrorDatabases(location, options)
  }
}
