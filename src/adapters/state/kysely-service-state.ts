import { createHash } from 'node:crypto'
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import type {
  CallRecord,
  CycleRecord,
  ErrorRecord,
  MinuteRecord,
  Retention,
  SchemaChangeRecord,
  ServiceState,
  TableActivityRecord,
  TenantRecord,
} from '../../application/ports/service-state.port.ts'
import { afterCall, NO_ACTIVITY, type TenantActivityState } from '../../domain/activity/tenant-activity.ts'
import type { StoreEngine } from '../sql/store-connection.ts'
import { foldCalls, rowsOf } from './folded-calls.ts'
import type { StateTables } from './state-schema.ts'

type Db = Kysely<StateTables>
type Row = Selectable<StateTables['tm_tenant_activity']>

const DAY = 86_400_000
const num = (value: number | bigint | string | null | undefined): number | undefined =>
  value === null || value === undefined ? undefined : Number(value)
const text = (value: string | null | undefined): string | undefined => value ?? undefined

/**
 * The service state in SQLite (one process) or PostgreSQL (shared by replicas). Every write is
 * one statement, or one transaction that holds the tenant's row while it moves the tenant's
 * cycle on, so that calls of one tenant answered by different replicas never lose each other's
 * figures. A nonce claim is one INSERT … ON CONFLICT … WHERE: taken if new or expired.
 */
export class KyselyServiceState implements ServiceState {
  readonly #db: Db
  readonly #engine: StoreEngine
  readonly #retention: Retention
  /** Seconds a nonce stays claimed past its token's expiry: the clock skew. */
  readonly #graceSeconds: number
  readonly #now: () => number

  constructor(db: Db, engine: StoreEngine, options: { retention: Retention; graceSeconds: number; now: () => number }) {
    this.#db = db
    this.#engine = engine
    this.#retention = options.retention
    this.#graceSeconds = options.graceSeconds
    this.#now = options.now
  }

  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    // Nonces come from tokens and may be long; their hash is a fixed-size key.
    const hash = createHash('sha256').update(nonce).digest('hex')
    const until = (expiresAt + this.#graceSeconds) * 1000
    const result = await this.#db
      .insertInto('tm_nonces')
      .values({ nonce_hash: hash, expires_at: until })
      .onConflict((oc) =>
        oc.column('nonce_hash').doUpdateSet({ expires_at: until }).where('tm_nonces.expires_at', '<=', this.#now()),
      )
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async isPaused(contextId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('tm_tenant_activity')
      .select('paused')
      .where('context_id', '=', contextId)
      .executeTakeFirst()
    return Number(row?.paused ?? 0) === 1
  }

  async setPaused(contextId: string, paused: boolean, at: number): Promise<void> {
    await this.#db
      .insertInto('tm_tenant_activity')
      .values({ context_id: contextId, first_seen_at: at, paused: paused ? 1 : 0 })
      .onConflict((oc) => oc.column('context_id').doUpdateSet({ paused: paused ? 1 : 0 }))
      .execute()
  }

  async knowTenant(contextId: string, at: number): Promise<void> {
    await this.#db
      .insertInto('tm_tenant_activity')
      .values({ context_id: contextId, first_seen_at: at })
      .onConflict((oc) => oc.column('context_id').doNothing())
      .execute()
  }

  async recordCalls(calls: readonly CallRecord[]): Promise<void> {
    if (calls.length === 0) return
    const folded = foldCalls(calls)
    await this.#db.transaction().execute(async (trx) => {
      for (const m of folded.minutes) {
        await trx
          .insertInto('tm_minutes')
          .values({
            context_id: m.contextId,
            minute: m.minute,
            calls: m.calls,
            failures: m.failures,
            rows: m.rows,
            ms: m.ms,
          })
          .onConflict((oc) =>
            oc.columns(['context_id', 'minute']).doUpdateSet({
              calls: sql`tm_minutes.calls + ${m.calls}`,
              failures: sql`tm_minutes.failures + ${m.failures}`,
              rows: sql`tm_minutes.rows + ${m.rows}`,
              ms: sql`tm_minutes.ms + ${m.ms}`,
            }),
          )
          .execute()
      }
      for (const call of folded.errors) {
        await trx
          .insertInto('tm_errors')
          .values({
            context_id: call.contextId ?? '',
            at: call.at,
            operation: call.operation,
            message: call.error ?? `${call.operation} failed`,
            reference: call.reference ?? null,
          })
          .execute()
      }
      for (const t of folded.tables) {
        await trx
          .insertInto('tm_table_activity')
          .values({ context_id: t.contextId, table_name: t.table, last_data_at: t.at, last_rows: t.rows })
          .onConflict((oc) =>
            oc.columns(['context_id', 'table_name']).doUpdateSet({ last_data_at: t.at, last_rows: t.rows }),
          )
          .execute()
      }
      for (const [contextId, own] of folded.tenants) await this.#moveCycle(trx, contextId, own)
    })
  }

  /** A tenant's cycle moved on through its calls, in order, with its row held meanwhile. */
  async #moveCycle(trx: Transaction<StateTables>, contextId: string, calls: readonly CallRecord[]): Promise<void> {
    await trx
      .insertInto('tm_tenant_activity')
      .values({ context_id: contextId, first_seen_at: calls[0]!.at })
      .onConflict((oc) => oc.column('context_id').doNothing())
      .execute()
    let select = trx.selectFrom('tm_tenant_activity').selectAll().where('context_id', '=', contextId)
    // Replicas answer one tenant's calls: the row is held until its cycle has moved on.
    if (this.#engine === 'postgres') select = select.forUpdate()
    let state = toState(await select.executeTakeFirstOrThrow())
    for (const call of calls) {
      const moved = afterCall(state, {
        at: call.at,
        operation: call.operation,
        outcome: call.outcome,
        ...(call.error !== undefined ? { error: call.error } : {}),
        ...(call.reference !== undefined ? { reference: call.reference } : {}),
        rows: rowsOf(call),
      })
      state = moved.state
      for (const cycle of moved.closed) {
        await trx
          .insertInto('tm_cycles')
          .values({
            context_id: contextId,
            started_at: cycle.startedAt,
            ended_at: cycle.endedAt,
            outcome: cycle.outcome,
            rows: cycle.rows,
            calls: cycle.calls,
            error: cycle.error ?? null,
            reference: cycle.reference ?? null,
          })
          .execute()
      }
    }
    await trx.updateTable('tm_tenant_activity').set(fromState(state)).where('context_id', '=', contextId).execute()
  }

  async recordSchemaChange(change: SchemaChangeRecord): Promise<void> {
    await this.#db
      .insertInto('tm_schema_changes')
      .values({
        context_id: change.contextId,
        at: change.at,
        table_name: change.table,
        change: change.change,
        detail: change.detail,
      })
      .execute()
  }

  async tenants(now: number): Promise<readonly TenantRecord[]> {
    const [rows, failures] = await Promise.all([
      this.#db.selectFrom('tm_tenant_activity').selectAll().orderBy('context_id').execute(),
      this.#db
        .selectFrom('tm_errors')
        .select(['context_id', (eb) => eb.fn.countAll<number | bigint | string>().as('n')])
        .where('at', '>', now - DAY)
        .groupBy('context_id')
        .execute(),
    ])
    const counts = new Map(failures.map((f) => [f.context_id, Number(f.n)]))
    return rows.map((row) => toTenant(row, counts.get(row.context_id) ?? 0))
  }

  async tenant(contextId: string, now: number): Promise<TenantRecord | undefined> {
    const row = await this.#db
      .selectFrom('tm_tenant_activity')
      .selectAll()
      .where('context_id', '=', contextId)
      .executeTakeFirst()
    if (!row) return undefined
    const failures = await this.#db
      .selectFrom('tm_errors')
      .select((eb) => eb.fn.countAll<number | bigint | string>().as('n'))
      .where('context_id', '=', contextId)
      .where('at', '>', now - DAY)
      .executeTakeFirst()
    return toTenant(row, Number(failures?.n ?? 0))
  }

  async cycles(contextId: string, limit: number): Promise<readonly CycleRecord[]> {
    const rows = await this.#db
      .selectFrom('tm_cycles')
      .selectAll()
      .where('context_id', '=', contextId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      contextId: r.context_id,
      startedAt: Number(r.started_at),
      endedAt: Number(r.ended_at),
      outcome: r.outcome as CycleRecord['outcome'],
      rows: Number(r.rows),
      calls: Number(r.calls),
      error: text(r.error),
      reference: text(r.reference),
    }))
  }

  async errors(options: { contextId?: string; limit: number }): Promise<readonly ErrorRecord[]> {
    let query = this.#db.selectFrom('tm_errors').selectAll().orderBy('id', 'desc').limit(options.limit)
    if (options.contextId !== undefined) query = query.where('context_id', '=', options.contextId)
    const rows = await query.execute()
    return rows.map((r) => ({
      at: Number(r.at),
      contextId: r.context_id === '' ? undefined : r.context_id,
      operation: r.operation,
      message: r.message,
      reference: text(r.reference),
    }))
  }

  async schemaChanges(contextId: string, limit: number): Promise<readonly SchemaChangeRecord[]> {
    const rows = await this.#db
      .selectFrom('tm_schema_changes')
      .selectAll()
      .where('context_id', '=', contextId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      at: Number(r.at),
      contextId: r.context_id,
      table: r.table_name,
      change: r.change,
      detail: r.detail,
    }))
  }

  async minutes(options: { contextId?: string; since: number }): Promise<readonly MinuteRecord[]> {
    let query = this.#db
      .selectFrom('tm_minutes')
      .select([
        'minute',
        (eb) => eb.fn.sum<number | bigint | string>('calls').as('calls'),
        (eb) => eb.fn.sum<number | bigint | string>('failures').as('failures'),
        (eb) => eb.fn.sum<number | bigint | string>('rows').as('rows'),
        (eb) => eb.fn.sum<number | bigint | string>('ms').as('ms'),
      ])
      .where('minute', '>=', options.since)
      .groupBy('minute')
      .orderBy('minute')
    if (options.contextId !== undefined) query = query.where('context_id', '=', options.contextId)
    const rows = await query.execute()
    return rows.map((r) => ({
      minute: Number(r.minute),
      calls: Number(r.calls),
      failures: Number(r.failures),
      rows: Number(r.rows),
      ms: Number(r.ms),
    }))
  }

  async tableActivity(contextId: string): Promise<readonly TableActivityRecord[]> {
    const rows = await this.#db
      .selectFrom('tm_table_activity')
      .selectAll()
      .where('context_id', '=', contextId)
      .orderBy('table_name')
      .execute()
    return rows.map((r) => ({ table: r.table_name, lastDataAt: Number(r.last_data_at), lastRows: Number(r.last_rows) }))
  }

  async sweep(now: number): Promise<number> {
    const cutoff = now - this.#retention.days * DAY
    const deleted = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows)
    let n = 0
    n += deleted(await this.#db.deleteFrom('tm_nonces').where('expires_at', '<', now).executeTakeFirst())
    n += deleted(await this.#db.deleteFrom('tm_cycles').where('ended_at', '<', cutoff).executeTakeFirst())
    n += deleted(await this.#db.deleteFrom('tm_errors').where('at', '<', cutoff).executeTakeFirst())
    n += deleted(await this.#db.deleteFrom('tm_schema_changes').where('at', '<', cutoff).executeTakeFirst())
    n += deleted(await this.#db.deleteFrom('tm_minutes').where('minute', '<', cutoff).executeTakeFirst())
    n += deleted(await this.#db.deleteFrom('tm_table_activity').where('last_data_at', '<', cutoff).executeTakeFirst())
    for (const table of ['tm_cycles', 'tm_errors', 'tm_schema_changes'] as const) n += await this.#cap(table)
    return n
  }

  /** Keeps the newest `rowsPerTenant` rows of each tenant. */
  async #cap(table: 'tm_cycles' | 'tm_errors' | 'tm_schema_changes'): Promise<number> {
    const keep = this.#retention.rowsPerTenant
    const over = await this.#db
      .selectFrom(table)
      .select('context_id')
      .groupBy('context_id')
      .having((eb) => eb.fn.countAll(), '>', keep)
      .execute()
    let n = 0
    for (const { context_id } of over) {
      const boundary = await this.#db
        .selectFrom(table)
        .select('id')
        .where('context_id', '=', context_id)
        .orderBy('id', 'desc')
        .offset(keep)
        .limit(1)
        .executeTakeFirst()
      if (!boundary) continue
      const result = await this.#db
        .deleteFrom(table)
        .where('context_id', '=', context_id)
        .where('id', '<=', boundary.id)
        .executeTakeFirst()
      n += Number(result.numDeletedRows)
    }
    return n
  }

  async probe(): Promise<void> {
    await sql`select 1`.execute(this.#db)
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }
}

function toState(row: Row): TenantActivityState {
  const started = num(row.cycle_started_at)
  return {
    ...NO_ACTIVITY,
    lastCallAt: num(row.last_call_at),
    lastCallOperation: text(row.last_call_operation),
    lastCallOutcome: text(row.last_call_outcome),
    lastSuccessAt: num(row.last_success_at),
    lastCompletedAt: num(row.last_completed_at),
    lastError:
      row.last_error_at === null
        ? undefined
        : {
            at: Number(row.last_error_at),
            operation: row.last_error_operation ?? '',
            message: row.last_error ?? '',
            reference: text(row.last_error_reference),
          },
    cycle:
      started === undefined
        ? undefined
        : { startedAt: started, rows: Number(row.cycle_rows ?? 0), calls: Number(row.cycle_calls ?? 0) },
  }
}

function fromState(state: TenantActivityState) {
  return {
    last_call_at: state.lastCallAt ?? null,
    last_call_operation: state.lastCallOperation ?? null,
    last_call_outcome: state.lastCallOutcome ?? null,
    last_success_at: state.lastSuccessAt ?? null,
    last_completed_at: state.lastCompletedAt ?? null,
    last_error_at: state.lastError?.at ?? null,
    last_error_operation: state.lastError?.operation ?? null,
    last_error: state.lastError?.message ?? null,
    last_error_reference: state.lastError?.reference ?? null,
    cycle_started_at: state.cycle?.startedAt ?? null,
    cycle_rows: state.cycle?.rows ?? 0,
    cycle_calls: state.cycle?.calls ?? 0,
  }
}

function toTenant(row: Row, failures24h: number): TenantRecord {
  const state = toState(row)
  return {
    contextId: row.context_id,
    paused: Number(row.paused) === 1,
    firstSeenAt: Number(row.first_seen_at),
    lastCall:
      state.lastCallAt === undefined
        ? undefined
        : { at: state.lastCallAt, operation: state.lastCallOperation ?? '', outcome: state.lastCallOutcome ?? '' },
    lastSuccessAt: state.lastSuccessAt,
    lastCompletedAt: state.lastCompletedAt,
    lastError: state.lastError && { ...state.lastError, contextId: row.context_id },
    failures24h,
  }
}
