import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation, DialectEntry, MirrorDatabasesOptions } from './dialect-entry.ts'
import { LazyMirrorDatabases } from './lazy-mirror-databases.ts'
import type { DialectCapabilities } from './sql-dialect.ts'

/** A file dialect's location: the directory that holds a file per tenant. */
export interface DirectoryLocation extends DatabaseLocation {
  readonly dir: string
}

export interface DirectoryDialect {
  readonly name: string
  /** Its one scheme, with the colon (`sqlite:`): `<scheme><dir>` or `<scheme>//<dir>`. */
  readonly scheme: string
  /** The engine and what limits its names, as an operator knows it: for messages. */
  readonly engine: string
  /** What a tenant file's name adds to the database name (`.sqlite`). */
  readonly extension: string
  readonly capabilities: DialectCapabilities
  /** Imports the dialect's folder (and driver) and opens: called on first use. */
  load(location: DirectoryLocation, options: MirrorDatabasesOptions): Promise<MirrorDatabaseProvider>
}

/** A file name is at most 255 bytes on the file systems in use, the extension included. */
const LONGEST_FILE_NAME = 255

/** The registry entry of a dialect that keeps one file per tenant in a directory (`sqlite:<dir>`). */
export function directoryEntry(dialect: DirectoryDialect): DialectEntry<DirectoryLocation> {
  const escaped = dialect.scheme.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = new RegExp(`^${escaped}(?:\\/\\/)?(.+)$`)
  const limit = { length: dialect.capabilities.maxIdentifierLength, unit: dialect.capabilities.identifierUnit }
  return {
    name: dialect.name,
    schemes: [dialect.scheme],
    form: `${dialect.scheme}<dir>`,
    identifierLimit: limit,
    tenantNames: {
      engine: dialect.engine,
      database: { length: LONGEST_FILE_NAME - dialect.extension.length, unit: 'bytes' },
      table: undefined,
    },
    parse(value) {
      const dir = pattern.exec(value)?.[1]
      return dir === undefined ? undefined : { kind: dialect.name, dir }
    },
    describe: (location) => `${dialect.scheme}${location.dir}`,
    open: (location, options) => new LazyMirrorDatabases(() => dialect.load(location, options)),
  }
}
