import type { MirrorDatabase, MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import {
  isMirrorInspector,
  type MirrorInspection,
  MirrorInspectionUnavailable,
  type MirrorInspector,
} from '../../application/ports/mirror-inspection.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'

/**
 * A dialect's provider loaded on first use: a service on SQLite never loads pg, mysql2 or
 * tedious (about 25 MB of resident memory together), and one on PostgreSQL loads only pg.
 * Inspection goes to the loaded provider, as the built-in dialects' providers all offer it.
 */
export class LazyMirrorDatabases implements MirrorDatabaseProvider, MirrorInspector {
  readonly #load: () => Promise<MirrorDatabaseProvider>
  #provider: Promise<MirrorDatabaseProvider> | undefined

  constructor(load: () => Promise<MirrorDatabaseProvider>) {
    this.#load = load
  }

  forTenant(contextId: ContextId): Promise<MirrorDatabase> {
    return this.#loaded().then((provider) => provider.forTenant(contextId))
  }

  async inspect(contextId: ContextId): Promise<MirrorInspection> {
    const provider = await this.#loaded()
    if (!isMirrorInspector(provider)) throw new MirrorInspectionUnavailable()
    return provider.inspect(contextId)
  }

  async probe(): Promise<void> {
    await (await this.#loaded()).probe?.()
  }

  async close(): Promise<void> {
    await this.#provider?.then(
      (provider) => provider.close(),
      () => undefined,
    )
  }

  #loaded(): Promise<MirrorDatabaseProvider> {
    this.#provider ??= this.#load()
    return this.#provider
  }
}
