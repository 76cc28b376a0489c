import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation } from '../../database-location.ts'
import type { MirrorDatabasesOptions } from '../../mirror-databases.ts'

/** Mssql mirrors: not built yet (issue 3). */
export function mssqlMirrorDatabases(
  _location: DatabaseLocation & { kind: 'mssql' },
  _options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  throw new Error('mssql mirror databases are not available yet')
}
