import type { MirrorDatabaseProvider } from '../../../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation } from '../../database-location.ts'
import type { MirrorDatabasesOptions } from '../../mirror-databases.ts'

/** Postgres mirrors: not built yet (issue 3). */
export function postgresMirrorDatabases(
  _location: DatabaseLocation & { kind: 'postgres' },
  _options: MirrorDatabasesOptions,
): MirrorDatabaseProvider {
  throw new Error('postgres mirror databases are not available yet')
}
