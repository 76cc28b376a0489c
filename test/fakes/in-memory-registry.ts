import type { EventLog, TenantEvent } from '../../src/application/task/ports/event-log.port.ts'
import type { ApplicationPatch, Registry, TenantPatch } from '../../src/application/task/ports/registry.port.ts'
import type { RegisteredApplication } from '../../src/domain/registry/registered-application.ts'
import type { Approval, CycleOutcome, PairStatus, Tenant } from '../../src/domain/registry/tenant.ts'

const pairKey = (contextId: string, clientId: string) => `${contextId}\u0000${clientId}`

/** Operations Center in a Map, for application tests; the Kysely registry has its own tests. */
export class InMemoryRegistry implements Registry, EventLog {
  readonly #apps = new Map<string, RegisteredApplication>()
  readonly #tenants = new Map<string, Tenant>()
  readonly #approvals = new Map<string, Approval>()
  readonly #status = new Map<string, PairStatus>()
  readonly events: TenantEvent[] = []

  async addApplication(app: RegisteredApplication) {
    this.#apps.set(app.clientId, app)
  }
  async application(clientId: string) {
    return this.#apps.get(clientId)
  }
  async applications() {
    return [...this.#apps.values()]
  }
  async updateApplication(clientId: string, patch: ApplicationPatch) {
    const app = this.#apps.get(clientId)
    if (!app) return false
    this.#apps.set(clientId, { ...app, ...patch })
    return true
  }
  async addTenant(tenant: Tenant) {
    this.#tenants.set(tenant.contextId, tenant)
  }
  async tenant(contextId: string) {
    return this.#tenants.get(contextId)
  }
  async tenants() {
    return [...this.#tenants.values()]
  }
  async updateTenant(contextId: string, patch: TenantPatch) {
    const tenant = this.#tenants.get(contextId)
    if (!tenant) return false
    this.#tenants.set(contextId, { ...tenant, ...patch })
    return true
  }
  async approve(contextId: string, clientId: string, at: number) {
    const key = pairKey(contextId, clientId)
    if (!this.#approvals.has(key)) this.#approvals.set(key, { contextId, clientId, approvedAt: at })
  }
  async revoke(contextId: string, clientId: string) {
    return this.#approvals.delete(pairKey(contextId, clientId))
  }
  async approvals() {
    return [...this.#approvals.values()]
  }
  async recordCycleStart(contextId: string, clientId: string, at: number) {
    const previous = this.#status.get(pairKey(contextId, clientId))
    this.#status.set(pairKey(contextId, clientId), {
      contextId,
      clientId,
      lastStartedAt: at,
      lastFinishedAt: previous?.lastFinishedAt,
      lastOutcome: previous?.lastOutcome,
      lastError: previous?.lastError,
    })
  }
  async recordCycleEnd(contextId: string, clientId: string, at: number, outcome: CycleOutcome, error?: string) {
    const previous = this.#status.get(pairKey(contextId, clientId))
    this.#status.set(pairKey(contextId, clientId), {
      contextId,
      clientId,
      lastStartedAt: previous?.lastStartedAt,
      lastFinishedAt: at,
      lastOutcome: outcome,
      lastError: error,
    })
  }
  async pairStatuses() {
    return [...this.#status.values()]
  }
  async append(event: TenantEvent) {
    this.events.push(event)
  }
  async list(contextId: string, limit: number) {
    return this.events
      .filter((e) => e.contextId === contextId)
      .reverse()
      .slice(0, limit)
  }
  async close() {}
}
