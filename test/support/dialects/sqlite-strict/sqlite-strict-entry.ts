import { SQLITE_CAPABILITIES } from '../../../../src/adapters/sql/dialects/sqlite/sqlite-capabilities.ts'
import { directoryEntry } from '../../../../src/adapters/sql/directory-entry.ts'

/** `sqlite-strict:<dir>`: SQLite files whose tables are STRICT, an integrator's dialect in one folder. */
export const sqliteStrictEntry = directoryEntry({
  name: 'sqlite-strict',
  scheme: 'sqlite-strict:',
  engine: 'SQLite (file names)',
  extension: '.sqlite',
  capabilities: SQLITE_CAPABILITIES,
  load: async (location, options) =>
    (await import('./sqlite-strict-mirror-databases.ts')).sqliteStrictMirrorDatabases(location, options),
})
