import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { MirrorDatabasesOptions } from '../../dialect-entry.ts'
import type { DirectoryLocation } from '../../directory-entry.ts'
import { KyselyMirrorDatabases } from '../../kysely-mirror-databases.ts'
import { SqliteConnector } from './sqlite-connector.ts'
import { sqliteMirrorSql } from './sqlite-mirror-sql.ts'

/** SQLite mirrors: a file per tenant in the location's directory. */
export function sqliteMirrorDatabases(
  location: DirectoryLocation,
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(
    sqliteMirrorSql,
    new SqliteConnector(location.dir, options.naming, options.durableCommits),
    options.pool,
  )
}
