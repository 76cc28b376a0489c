import { directoryEntry } from '../../directory-entry.ts'
import { SQLITE_CAPABILITIES } from './sqlite-capabilities.ts'

/** `sqlite:<dir>`: a file per tenant, `<dir>/<database name>.sqlite`. */
export const sqliteEntry = directoryEntry({
  name: 'sqlite',
  scheme: 'sqlite:',
  engine: 'SQLite (file names)',
  extension: '.sqlite',
  capabilities: SQLITE_CAPABILITIES,
  load: async (location, options) =>
    (await import('./sqlite-mirror-databases.ts')).sqliteMirrorDatabases(location, options),
})
