import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import type { IdentifierLimit } from '../../domain/schema/identifier.ts'
import type { PoolOptions } from './kysely-mirror-databases.ts'

/**
 * Where mirror databases live, as one registry entry read it from `--database`. A dialect
 * adds what it needs; the fields named here are the ones the built-in dialects use.
 */
export interface DatabaseLocation {
  /** The name of the entry that read it, and opens it. */
  readonly kind: string
  /** Where a dialect that keeps a file per tenant keeps them (`sqlite:<dir>`). */
  readonly dir?: string
  /** A server dialect's URL, credentials included: shown only through `describe`. */
  readonly url?: string
  /** Tenants as databases, or as schemas of the URL's database, where the dialect offers both. */
  readonly layout?: TenantLayout
}

export type TenantLayout = 'database' | 'schema'

/**
 * What an engine keeps of the names a tenant gets: its database (or schema, or file) and its
 * metadata table. A longer name is cut by PostgreSQL and refused or cut elsewhere; cut names
 * put two tenants in one database, so they are refused before anything is created.
 */
export interface TenantNameRules {
  /** The engine, as an operator knows it: for messages. */
  readonly engine: string
  /** The database, schema or file name (template applied). */
  readonly database: IdentifierLimit
  /** The metadata table `<contextId>_mirroring`; undefined where the engine has no limit. */
  readonly table: IdentifierLimit | undefined
}

export interface MirrorDatabasesOptions {
  /** Tenant → mirror database (or schema) name, already checked to be a plain name. */
  readonly naming: (contextId: ContextId) => string
  /** Longer context ids are refused before any name is made (see tenant-naming.ts). */
  readonly longestContextId: number
  readonly pool: PoolOptions
  /**
   * Each commit waits for the engine's flush to disk. Left out or false, a dialect may let the
   * engine flush a moment later (PostgreSQL: `synchronous_commit = off`; SQLite: `synchronous =
   * NORMAL`): a crash of the database server loses the last commits whole, each with its LSN,
   * which the protocol resends (protocol.md §1, a mirror restored from a backup). Dialects
   * whose engine sets this server-wide (MySQL, SQL Server) follow the server.
   */
  readonly durableCommits?: boolean
}

/**
 * One dialect in the registry: which `--database` values it reads, how it shows them, the limits
 * known before its folder is loaded, and how it opens. Everything else of a dialect lives in
 * its folder, which its provider imports on first use, so that an unused driver is never loaded.
 */
export interface DialectEntry<L extends DatabaseLocation = DatabaseLocation> {
  /** The `kind` of the locations it reads. */
  readonly name: string
  /** The URL schemes it reads, lower case with their colon (`postgres:`); a bare `memory` is the scheme `memory:`. */
  readonly schemes: readonly string[]
  /** How the configuration error lists it among the accepted forms (`postgres://…`). */
  readonly form: string
  /** Tenant layouts besides a database per tenant (PostgreSQL: `schema`). */
  readonly layouts?: readonly TenantLayout[]
  /** The longest identifier of a mirrored table, known before the dialect's folder is loaded. */
  readonly identifierLimit: IdentifierLimit
  /** What the engine keeps of tenant names; undefined where it names nothing (`memory:`). */
  readonly tenantNames?: TenantNameRules
  /** A `--database` value with one of its schemes → the location, or undefined when it is malformed. */
  parse(value: string, layout: TenantLayout): L | undefined
  /** The location without credentials, for logs and messages. */
  describe(location: L): string
  /**
   * The mirror databases at the location. A dialect with a driver answers with a provider that
   * imports its folder, and so the driver, on first use (LazyMirrorDatabases, as serverEntry and
   * directoryEntry build it).
   */
  open(location: L, options: MirrorDatabasesOptions): MirrorDatabaseProvider
}

/** The dialects a service knows: the built-ins (dialect-registry.ts), plus any an integrator adds. */
export type DialectRegistry = readonly DialectEntry[]
