import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation, DialectEntry, MirrorDatabasesOptions, TenantLayout } from './dialect-entry.ts'
import { LazyMirrorDatabases } from './lazy-mirror-databases.ts'
import type { DialectCapabilities } from './sql-dialect.ts'

/** A server dialect's location: the URL names the server and the database tenant databases are made from. */
export interface ServerLocation extends DatabaseLocation {
  readonly url: string
}

export interface ServerDialect {
  readonly name: string
  /** The engine, as an operator knows it (`PostgreSQL`): for messages. */
  readonly engine: string
  readonly schemes: readonly string[]
  readonly capabilities: DialectCapabilities
  readonly layouts?: readonly TenantLayout[]
  /** Imports the dialect's folder (and driver) and opens: called on first use. */
  load(location: ServerLocation, options: MirrorDatabasesOptions): Promise<MirrorDatabaseProvider>
}

/**
 * The registry entry of a dialect on a database server (`postgres://user:password@host/db`):
 * a URL with a host; names and identifiers within the engine's limit; shown without its
 * credentials. Where the dialect has layouts, the location carries the one asked for.
 */
export function serverEntry(dialect: ServerDialect): DialectEntry<ServerLocation> {
  const limit = { length: dialect.capabilities.maxIdentifierLength, unit: dialect.capabilities.identifierUnit }
  return {
    name: dialect.name,
    schemes: dialect.schemes,
    form: `${dialect.schemes[0]}//…`,
    ...(dialect.layouts ? { layouts: dialect.layouts } : {}),
    identifierLimit: limit,
    tenantNames: { engine: dialect.engine, database: limit, table: limit },
    parse(value, layout) {
      let url: URL
      try {
        url = new URL(value)
      } catch {
        return undefined
      }
      if (!dialect.schemes.includes(url.protocol) || url.hostname === '') return undefined
      return dialect.layouts ? { kind: dialect.name, url: value, layout } : { kind: dialect.name, url: value }
    },
    describe(location) {
      const url = new URL(location.url)
      return `${url.protocol}//${url.host}${url.pathname}`
    },
    open: (location, options) => new LazyMirrorDatabases(() => dialect.load(location, options)),
  }
}
