import {
  type MirrorDatabase,
  type MirrorDatabaseProvider,
  MirrorStoreError,
} from '../../application/ports/mirror-database.port.ts'
import {
  isMirrorInspector,
  type MirrorInspection,
  MirrorInspectionUnavailable,
} from '../../application/ports/mirror-inspection.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { describeLocation, parseDatabaseLocation } from './database-location.ts'
import type { DatabaseLocation, DialectRegistry, MirrorDatabasesOptions, TenantLayout } from './dialect-entry.ts'
import { BUILT_IN_DIALECTS } from './dialect-registry.ts'
import { openMirrorDatabases } from './mirror-databases.ts'
import { LONGEST_CONTEXT_ID } from './tenant-naming.ts'

/**
 * Where one tenant's mirror lives, as an integrator's `resolveConnection` hook answers (the
 * reference package's ResolveConnection). Either part may be left out: the service's own
 * `--database` and `--database-name` apply to what is missing.
 */
export interface TenantConnection {
  /** A `--database` value of any dialect in the registry (another server, another engine), or a parsed location. */
  readonly database?: string | DatabaseLocation
  /** The tenant's mirror database (schema, file) there: a plain name, held to that engine's limits. */
  readonly name?: string
  /** How a `database` string is read where the dialect offers a choice (PostgreSQL); the service's `--tenant-layout` when absent. */
  readonly layout?: TenantLayout
}

/** Asked before each call opens the tenant's mirror; undefined keeps the service's own location and template. */
export type ResolveConnection = (
  contextId: ContextId,
) => TenantConnection | undefined | Promise<TenantConnection | undefined>

export interface RoutedMirrorDatabasesOptions {
  readonly resolve: ResolveConnection
  /** The service's `--database`: tenants the hook leaves alone, and the server readiness asks. */
  readonly location: DatabaseLocation
  /** How a location given as a string is read (`--tenant-layout`). */
  readonly layout: TenantLayout
  /** The service's own naming and pool; names the hook gives are checked by each location's dialect. */
  readonly base: MirrorDatabasesOptions
  readonly registry?: DialectRegistry
}

interface Route {
  readonly provider: MirrorDatabaseProvider
  /** Names the hook gave, by tenant; the template names the rest. */
  readonly names: Map<ContextId, string>
}

/**
 * Mirror databases spread over several servers (or engines) by an integrator's hook: one
 * provider per distinct location, opened on first use and closed with this one, each with its
 * own pool and its dialect's name rules. The hook is asked on every open, so a changed answer
 * holds from the tenant's next call; a database the tenant had open elsewhere closes when idle.
 */
export class RoutedMirrorDatabases implements MirrorDatabaseProvider {
  readonly #options: RoutedMirrorDatabasesOptions
  readonly #registry: DialectRegistry
  readonly #routes = new Map<string, Route>()
  readonly #home: Route
  #closed = false

  constructor(options: RoutedMirrorDatabasesOptions) {
    this.#options = options
    this.#registry = options.registry ?? BUILT_IN_DIALECTS
    this.#home = this.#open(options.location, options.base.longestContextId)
    this.#routes.set(keyOf(options.location), this.#home)
  }

  async forTenant(contextId: ContextId): Promise<MirrorDatabase> {
    return (await this.#route(contextId)).forTenant(contextId)
  }

  /** The dashboard's reads and resets, routed as the tenant's calls are. */
  async inspect(contextId: ContextId): Promise<MirrorInspection> {
    const provider = await this.#route(contextId)
    if (!isMirrorInspector(provider)) throw new MirrorInspectionUnavailable()
    return provider.inspect(contextId)
  }

  /** Readiness asks the service's own server; a tenant on another one fails its own calls only. */
  async probe(): Promise<void> {
    await this.#home.provider.probe?.()
  }

  async close(): Promise<void> {
    this.#closed = true
    const routes = [...this.#routes.values()]
    this.#routes.clear()
    await Promise.all(routes.map((route) => route.provider.close()))
  }

  async #route(contextId: ContextId): Promise<MirrorDatabaseProvider> {
    if (this.#closed) throw new MirrorStoreError('the mirror databases are closed', 'transient')
    let answer: TenantConnection | undefined
    try {
      answer = await this.#options.resolve(contextId)
    } catch (error) {
      throw new MirrorStoreError(
        `resolveConnection failed for ${contextId}: ${error instanceof Error ? error.message : String(error)}`,
        'fatal',
        undefined,
        { cause: error },
      )
    }
    const route = answer?.database === undefined ? this.#home : this.#routeTo(contextId, answer.database, answer.layout)
    if (answer?.name === undefined) route.names.delete(contextId)
    else route.names.set(contextId, answer.name)
    // A tenant moved elsewhere must not keep a name given for this route.
    for (const other of this.#routes.values()) if (other !== route) other.names.delete(contextId)
    return route.provider
  }

  #routeTo(contextId: ContextId, database: string | DatabaseLocation, layout: TenantLayout | undefined): Route {
    const location =
      typeof database === 'string'
        ? parseDatabaseLocation(database, layout ?? this.#options.layout, this.#registry)
        : database
    if (!location) {
      // The value may hold a password: only its scheme is named.
      const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(String(database))?.[0] ?? 'a value'
      throw new MirrorStoreError(
        `resolveConnection gave ${contextId} a database (${scheme}…) that no dialect in the registry reads`,
        'fatal',
      )
    }
    const key = keyOf(location)
    let route = this.#routes.get(key)
    if (!route) {
      route = this.#open(location, LONGEST_CONTEXT_ID)
      this.#routes.set(key, route)
    }
    return route
  }

  #open(location: DatabaseLocation, longestContextId: number): Route {
    const names = new Map<ContextId, string>()
    const template = this.#options.base.naming
    const options: MirrorDatabasesOptions = {
      ...this.#options.base,
      longestContextId,
      naming: (contextId) => names.get(contextId) ?? template(contextId),
    }
    try {
      return { provider: openMirrorDatabases(location, options, this.#registry), names }
    } catch (error) {
      throw new MirrorStoreError(
        `cannot open ${describeLocation(location, this.#registry)}: ${error instanceof Error ? error.message : String(error)}`,
        'fatal',
        undefined,
        { cause: error },
      )
    }
  }
}

/** Locations are the same server when they read the same; credentials are part of it, and never shown. */
function keyOf(location: DatabaseLocation): string {
  return JSON.stringify(Object.entries(location).sort(([a], [b]) => a.localeCompare(b)))
}
