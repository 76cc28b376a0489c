import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { InMemoryMirrorDatabases } from '../memory/in-memory-mirror-database.ts'
import type { DatabaseLocation } from './database-location.ts'
import { MSSQL_CAPABILITIES } from './dialects/mssql/mssql-capabilities.ts'
import { MYSQL_CAPABILITIES } from './dialects/mysql/mysql-capabilities.ts'
import { POSTGRES_CAPABILITIES } from './dialects/postgres/postgres-capabilities.ts'
import { SqliteConnector } from './dialects/sqlite/sqlite-connector.ts'
import { SqliteDialect } from './dialects/sqlite/sqlite-dialect.ts'
import { KyselyMirrorDatabases, type PoolOptions } from './kysely-mirror-databases.ts'
import { LazyMirrorDatabases } from './lazy-mirror-databases.ts'
import type { DialectCapabilities } from './sql-dialect.ts'
import { checkedTenantNaming, tenantNameRules } from './tenant-naming.ts'

export interface MirrorDatabasesOptions {
  /** Tenant → mirror database (or schema) name, already checked to be a plain name. */
  readonly naming: (contextId: ContextId) => string
  /** Longer context ids are refused before any name is made (see tenant-naming.ts). */
  readonly longestContextId: number
  readonly pool: PoolOptions
}

/** The mirror database provider for a `--database` location: the dialect registry. */
export function openMirrorDatabases(
  location: DatabaseLocation,
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  const rules = tenantNameRules(location)
  if (rules) options = { ...options, naming: checkedTenantNaming(options.naming, rules, options.longestContextId) }
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
      return new LazyMirrorDatabases(limitOf(POSTGRES_CAPABILITIES), async () =>
        (await import('./dialects/postgres/postgres-mirror-databases.ts')).postgresMirrorDatabases(location, options),
      )
    case 'mysql':
      return new LazyMirrorDatabases(limitOf(MYSQL_CAPABILITIES), async () =>
        (await import('./dialects/mysql/mysql-mirror-databases.ts')).mysqlMirrorDatabases(location, options),
      )
    case 'mssql':
      return new LazyMirrorDatabases(limitOf(MSSQL_CAPABILITIES), async () =>
        (await import('./dialects/mssql/mssql-mirror-databases.ts')).mssqlMirrorDatabases(location, options),
      )
  }
}

function limitOf(capabilities: DialectCapabilities) {
  return { length: capabilities.maxIdentifierLength, unit: capabilities.identifierUnit }
}
