import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation } from '../../database-location.ts'
import type { MirrorDatabasesOptions } from '../../mirror-databases.ts'

/** Mysql mirrors: not built yet (issue 3). */
export function mysqlMirrorDatabases(
  _location: DatabaseLocation & { kind: 'mysql' },
  _options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  throw new Error('mysql mirror databases are not available yet')
}
