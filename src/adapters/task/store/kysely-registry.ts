import { CompiledQuery, type Kysely } from 'kysely'
import type { EventLog, EventType, TenantEvent } from '../../../application/task/ports/event-log.port.ts'
import type { ApplicationPatch, Registry, TenantPatch } from '../../../application/task/ports/registry.port.ts'
import type { RegisteredApplication } from '../../../domain/registry/registered-application.ts'
import type { Approval, CycleOutcome, PairStatus, Tenant } from '../../../domain/registry/tenant.ts'
import { parseSkipTable } from '../../../domain/task/preferences.ts'
import type { RegistryTables } from './registry-schema.ts'

/** Runs one statement inside a transaction the registry holds open (pg-boss's IDatabase shape). */
export type SqlExecutor = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>

/** Events kept per tenant; older ones are pruned as new ones arrive. */
export const EVENTS_KEPT = 1000

const millis = (value: number | bigint | string | null): number | undefined =>
  value === null ? undefined : Number(value)

/**
 * Operations Center's registry and event log in any Kysely database the project runs (SQLite by
 * default, PostgreSQL for several task machines). Every write is one statement or one
 * transaction, so that a crash never leaves half a record.
 */
export class KyselyRegistry implements Registry, EventLog {
  readonly #db: Kysely<RegistryTables>

  constructor(db: Kysely<RegistryTables>) {
    this.#db = db
  }

  async addApplication(app: RegisteredApplication): Promise<void> {
    await this.#db
      .insertInto('tm_applications')
      .values({
        client_id: app.clientId,
        client_secret: app.clientSecret,
        name: app.name,
        mirroring_enabled: app.mirroringEnabled ? 1 : 0,
        mirroring_url: app.mirroringUrl,
        public_key: app.publicKey,
        environment: app.environment,
      })
      .execute()
  }

  async application(clientId: string): Promise<RegisteredApplication | undefined> {
    const row = await this.#db
      .selectFrom('tm_applications')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return row && toApplication(row)
  }

  async applications(): Promise<readonly RegisteredApplication[]> {
    const rows = await this.#db.selectFrom('tm_applications').selectAll().orderBy('client_id').execute()
    return rows.map(toApplication)
  }

  async updateApplication(clientId: string, patch: ApplicationPatch): Promise<boolean> {
    const set: Record<string, unknown> = {}
    if (patch.name !== undefined) set.name = patch.name
    if (patch.mirroringEnabled !== undefined) set.mirroring_enabled = patch.mirroringEnabled ? 1 : 0
    if (patch.mirroringUrl !== undefined) set.mirroring_url = patch.mirroringUrl
    if (patch.publicKey !== undefined) set.public_key = patch.publicKey
    if (Object.keys(set).length === 0) return (await this.application(clientId)) !== undefined
    const result = await this.#db
      .updateTable('tm_applications')
      .set(set)
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async addTenant(tenant: Tenant): Promise<void> {
    await this.#db
      .insertInto('tm_tenants')
      .values({
        context_id: tenant.contextId,
        source_url: tenant.sourceUrl,
        skip_table: tenant.skipTable.join(','),
        batch_size: tenant.batchSize,
      })
      .execute()
  }

  async tenant(contextId: string): Promise<Tenant | undefined> {
    const row = await this.#db
      .selectFrom('tm_tenants')
      .selectAll()
      .where('context_id', '=', contextId)
      .executeTakeFirst()
    return row && toTenant(row)
  }

  async tenants(): Promise<readonly Tenant[]> {
    const rows = await this.#db.selectFrom('tm_tenants').selectAll().orderBy('context_id').execute()
    return rows.map(toTenant)
  }

  async updateTenant(contextId: string, patch: TenantPatch): Promise<boolean> {
    const set: Record<string, unknown> = {}
    if (patch.sourceUrl !== undefined) set.source_url = patch.sourceUrl
    if (patch.skipTable !== undefined) set.skip_table = patch.skipTable.join(',')
    if (patch.batchSize !== undefined) set.batch_size = patch.batchSize
    if (Object.keys(set).length === 0) return (await this.tenant(contextId)) !== undefined
    const result = await this.#db
      .updateTable('tm_tenants')
      .set(set)
      .where('context_id', '=', contextId)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async approve(contextId: string, clientId: string, at: number): Promise<void> {
    await this.#db
      .insertInto('tm_approvals')
      .values({ context_id: contextId, client_id: clientId, approved_at: at })
      .onConflict((c) => c.columns(['context_id', 'client_id']).doNothing())
      .execute()
  }

  /**
   * Approves, and runs `alongside` in the same transaction with a way to run SQL in it: a job
   * queue in the same database (pg-boss's `send` with `db`) queues the first cycle with the
   * approval, so that neither exists without the other.
   */
  async approveWith(contextId: string, clientId: string, at: number, alongside: (sql: SqlExecutor) => Promise<void>) {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('tm_approvals')
        .values({ context_id: contextId, client_id: clientId, approved_at: at })
        .onConflict((c) => c.columns(['context_id', 'client_id']).doNothing())
        .execute()
      await alongside(async (text, values = []) => ({
        rows: [...(await trx.executeQuery(CompiledQuery.raw(text, values))).rows],
      }))
    })
  }

  async revoke(contextId: string, clientId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('tm_approvals')
      .where('context_id', '=', contextId)
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async approvals(): Promise<readonly Approval[]> {
    const rows = await this.#db
      .selectFrom('tm_approvals')
      .selectAll()
      .orderBy('context_id')
      .orderBy('client_id')
      .execute()
    return rows.map((r) => ({ contextId: r.context_id, clientId: r.client_id, approvedAt: Number(r.approved_at) }))
  }

  async recordCycleStart(contextId: string, clientId: string, at: number): Promise<void> {
    await this.#db
      .insertInto('tm_pair_status')
      .values({ context_id: contextId, client_id: clientId, last_started_at: at })
      .onConflict((c) => c.columns(['context_id', 'client_id']).doUpdateSet({ last_started_at: at }))
      .execute()
  }

  async recordCycleEnd(
    contextId: string,
    clientId: string,
    at: number,
    outcome: CycleOutcome,
    error?: string,
  ): Promise<void> {
    const values = { last_finished_at: at, last_outcome: outcome, last_error: error ?? null }
    await this.#db
      .insertInto('tm_pair_status')
      .values({ context_id: contextId, client_id: clientId, ...values })
      .onConflict((c) => c.columns(['context_id', 'client_id']).doUpdateSet(values))
      .execute()
  }

  async pairStatuses(): Promise<readonly PairStatus[]> {
    const rows = await this.#db
      .selectFrom('tm_pair_status')
      .selectAll()
      .orderBy('context_id')
      .orderBy('client_id')
      .execute()
    return rows.map((r) => ({
      contextId: r.context_id,
      clientId: r.client_id,
      lastStartedAt: millis(r.last_started_at),
      lastFinishedAt: millis(r.last_finished_at),
      lastOutcome: (r.last_outcome ?? undefined) as CycleOutcome | undefined,
      lastError: r.last_error ?? undefined,
    }))
  }

  async append(event: TenantEvent): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('tm_events')
        .values({
          context_id: event.contextId,
          client_id: event.clientId,
          at: event.at,
          type: event.type,
          message: event.message,
        })
        .execute()
      const oldestKept = await trx
        .selectFrom('tm_events')
        .select('id')
        .where('context_id', '=', event.contextId)
        .orderBy('id', 'desc')
        .offset(EVENTS_KEPT - 1)
        .limit(1)
        .executeTakeFirst()
      if (oldestKept) {
        await trx
          .deleteFrom('tm_events')
          .where('context_id', '=', event.contextId)
          .where('id', '<', oldestKept.id)
          .execute()
      }
    })
  }

  async list(contextId: string, limit: number): Promise<readonly TenantEvent[]> {
    const rows = await this.#db
      .selectFrom('tm_events')
      .selectAll()
      .where('context_id', '=', contextId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      contextId: r.context_id,
      clientId: r.client_id,
      at: Number(r.at),
      type: r.type as EventType,
      message: r.message,
    }))
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }
}

type ApplicationRow = RegistryTables['tm_applications']

function toApplication(r: ApplicationRow): RegisteredApplication {
  return {
    clientId: r.client_id,
    clientSecret: r.client_secret,
    name: r.name,
    mirroringEnabled: Number(r.mirroring_enabled) === 1,
    mirroringUrl: r.mirroring_url,
    publicKey: r.public_key,
    environment: r.environment,
  }
}

function toTenant(r: RegistryTables['tm_tenants']): Tenant {
  return {
    contextId: r.context_id,
    sourceUrl: r.source_url,
    skipTable: parseSkipTable(r.skip_table),
    batchSize: Number(r.batch_size),
  }
}
