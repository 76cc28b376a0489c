import type { MirrorDatabase, MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import type { IdentifierLimit } from '../../domain/schema/identifier.ts'

/**
 * A dialect's provider loaded on first use: a service on SQLite never loads pg, mysql2 or
 * tedious (about 25 MB of resident memory together), and one on PostgreSQL loads only pg.
 */
export class LazyMirrorDatabases implements MirrorDatabaseProvider {
  readonly identifierLimit: IdentifierLimit
  readonly #load: () => Promise<MirrorDatabaseProvider>
  #provider: Promise<MirrorDatabaseProvider> | undefined

  constructor(identifierLimit: IdentifierLimit, load: () => Promise<MirrorDatabaseProvider>) {
    this.identifierLimit = identifierLimit
    this.#load = load
  }

  forTenant(contextId: ContextId): Promise<MirrorDatabase> {
    this.#provider ??= this.#load()
    return this.#provider.then((provider) => provider.forTenant(contextId))
  }

  async probe(): Promise<void> {
    this.#provider ??= this.#load()
    await (await this.#provider).probe?.()
  }

  async close(): Promise<void> {
    await this.#provider?.then(
      (provider) => provider.close(),
      () => undefined,
    )
  }
}
