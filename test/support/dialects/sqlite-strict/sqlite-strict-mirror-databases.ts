import type { MirrorDatabasesOptions } from '../../../../src/adapters/sql/dialect-entry.ts'
import { SqliteConnector } from '../../../../src/adapters/sql/dialects/sqlite/sqlite-connector.ts'
import { sqliteMirrorSqlOf, sqliteParts } from '../../../../src/adapters/sql/dialects/sqlite/sqlite-mirror-sql.ts'
import type { DirectoryLocation } from '../../../../src/adapters/sql/directory-entry.ts'
import { KyselyMirrorDatabases } from '../../../../src/adapters/sql/kysely-mirror-databases.ts'
import type { MirrorDatabaseProvider } from '../../../../src/application/ports/mirror-database.port.ts'
import { sqliteStrictTypes } from './sqlite-strict-types.ts'

/** SQLite's own values, errors, defaults and bulk path; only the types (and so the tables) differ. */
export const sqliteStrictMirrorSql = sqliteMirrorSqlOf({ ...sqliteParts, types: sqliteStrictTypes }, 'sqlite-strict')

/** A STRICT SQLite file per tenant in the location's directory. */
export function sqliteStrictMirrorDatabases(
  location: DirectoryLocation,
  options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  return new KyselyMirrorDatabases(
    sqliteStrictMirrorSql,
    new SqliteConnector(location.dir, options.naming),
    options.pool,
  )
}
