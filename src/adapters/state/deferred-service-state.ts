import type {
  CallRecord,
  CycleRecord,
  ErrorRecord,
  MinuteRecord,
  SchemaChangeRecord,
  ServiceState,
  TableActivityRecord,
  TenantRecord,
} from '../../application/ports/service-state.port.ts'

/**
 * A state store opened in the background: the service is wired synchronously, the store's
 * connection and tables come a moment later. `ready()` is what start-up awaits, so that a
 * state store that cannot be opened stops the service with its reason (or is waited for);
 * an open that failed is tried again by the next use, so a store that comes back is used.
 */
export class DeferredServiceState implements ServiceState {
  readonly #open: () => Promise<ServiceState>
  #current: Promise<ServiceState>
  #failed = false

  constructor(open: () => Promise<ServiceState>) {
    this.#open = open
    this.#current = this.#start()
  }

  #start(): Promise<ServiceState> {
    this.#failed = false
    const opening = this.#open()
    // Each use awaits the store and meets its error; this keeps an early failure from being unhandled.
    opening.catch(() => {
      this.#failed = true
    })
    return opening
  }

  get #opened(): Promise<ServiceState> {
    if (this.#failed) this.#current = this.#start()
    return this.#current
  }

  async ready(): Promise<void> {
    await this.#opened
  }

  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    return (await this.#opened).claim(nonce, expiresAt)
  }
  async isPaused(contextId: string): Promise<boolean> {
    return (await this.#opened).isPaused(contextId)
  }
  async setPaused(contextId: string, paused: boolean, at: number): Promise<void> {
    return (await this.#opened).setPaused(contextId, paused, at)
  }
  async recordCalls(calls: readonly CallRecord[]): Promise<void> {
    return (await this.#opened).recordCalls(calls)
  }
  async recordSchemaChange(change: SchemaChangeRecord): Promise<void> {
    return (await this.#opened).recordSchemaChange(change)
  }
  async knowTenant(contextId: string, at: number): Promise<void> {
    return (await this.#opened).knowTenant(contextId, at)
  }
  async tenants(now: number): Promise<readonly TenantRecord[]> {
    return (await this.#opened).tenants(now)
  }
  async tenant(contextId: string, now: number): Promise<TenantRecord | undefined> {
    return (await this.#opened).tenant(contextId, now)
  }
  async cycles(contextId: string, limit: number): Promise<readonly CycleRecord[]> {
    return (await this.#opened).cycles(contextId, limit)
  }
  async errors(options: { contextId?: string; limit: number }): Promise<readonly ErrorRecord[]> {
    return (await this.#opened).errors(options)
  }
  async schemaChanges(contextId: string, limit: number): Promise<readonly SchemaChangeRecord[]> {
    return (await this.#opened).schemaChanges(contextId, limit)
  }
  async minutes(options: { contextId?: string; since: number }): Promise<readonly MinuteRecord[]> {
    return (await this.#opened).minutes(options)
  }
  async tableActivity(contextId: string): Promise<readonly TableActivityRecord[]> {
    return (await this.#opened).tableActivity(contextId)
  }
  async probe(): Promise<void> {
    return (await this.#opened).probe()
  }
  async sweep(now: number): Promise<number> {
    return (await this.#opened).sweep(now)
  }
  async close(): Promise<void> {
    const state = await this.#current.catch(() => undefined)
    await state?.close()
  }
}
