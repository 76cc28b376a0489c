import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** One SOAP call as the HTTP adapter saw it. */
export interface CallEvent {
  readonly operation: string
  readonly contextId: string | undefined
  readonly outcome: 'ok' | 'failed' | 'fault'
  readonly error?: string
  readonly ms: number
  /** Rows applied by a successful RowData call, by operation. */
  readonly rows?: { readonly inserts: number; readonly updates: number; readonly deletes: number }
  /** RowData batches acknowledged without writing: older than their table's stored LSN. */
  readonly superseded?: number
}

export interface SchemaChange {
  readonly at: number
  readonly table: string
  readonly change: string
}

export interface TenantActivity {
  readonly contextId: string
  lastCall: { at: number; operation: string; outcome: string; error?: string } | undefined
  /** When the last cycle ended with ReplicationCompleted. */
  lastCompletedAt: number | undefined
  /** The last failed call's message, cleared by the next completed cycle. */
  lastError: string | undefined
  paused: boolean
  readonly schemaChanges: SchemaChange[]
}

const ACTIVE_MS = 10 * 60_000
const HISTORY = 200

/**
 * What the partner dashboard and /metrics show: per tenant its last call, last completed
 * cycle, last error, pause switch and schema-change history (in memory: a restart starts
 * afresh, the mirror itself holds the lasting state), and Prometheus metrics.
 */
export class ServiceActivity {
  readonly metrics = new Registry()
  /** False once shutdown begins: /readyz turns 503 so that a load balancer stops sending calls. */
  ready = true
  readonly #tenants = new Map<string, TenantActivity>()
  readonly #now: () => number
  readonly #calls = new Counter({
    name: 'tenant_mirror_calls_total',
    help: 'SOAP calls by operation and outcome',
    labelNames: ['operation', 'outcome'],
    registers: [this.metrics],
  })
  readonly #rows = new Counter({
    name: 'tenant_mirror_rows_applied_total',
    help: 'Rows applied by RowData, by operation (I, U, D)',
    labelNames: ['operation'],
    registers: [this.metrics],
  })
  readonly #superseded = new Counter({
    name: 'tenant_mirror_batches_superseded_total',
    help: 'RowData batches acknowledged without writing because the table already held a later LSN',
    registers: [this.metrics],
  })
  readonly #batchSeconds = new Histogram({
    name: 'tenant_mirror_rowdata_apply_seconds',
    help: 'Time to read and apply one RowData call',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.metrics],
  })

  readonly #callSeconds = new Histogram({
    name: 'tenant_mirror_call_seconds',
    help: 'Time from request to reply, by operation, in the service',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.metrics],
  })

  constructor(now: () => number = Date.now) {
    this.#now = now
    const tenants = this.#tenants
    new Gauge({
      name: 'tenant_mirror_active_tenants',
      help: 'Tenants with a call in the last 10 minutes',
      registers: [this.metrics],
      collect() {
        const since = now() - ACTIVE_MS
        this.set([...tenants.values()].filter((t) => (t.lastCall?.at ?? 0) >= since).length)
      },
    })
  }

  record(call: CallEvent): void {
    this.#calls.inc({ operation: call.operation, outcome: call.outcome })
    this.#callSeconds.observe({ operation: call.operation }, call.ms / 1000)
    if (call.operation === 'RowData' && call.outcome === 'ok') {
      this.#batchSeconds.observe(call.ms / 1000)
      this.#rows.inc({ operation: 'I' }, call.rows?.inserts ?? 0)
      this.#rows.inc({ operation: 'U' }, call.rows?.updates ?? 0)
      this.#rows.inc({ operation: 'D' }, call.rows?.deletes ?? 0)
      this.#superseded.inc(call.superseded ?? 0)
    }
    if (!call.contextId) return
    const tenant = this.#tenant(call.contextId)
    const at = this.#now()
    tenant.lastCall = {
      at,
      operation: call.operation,
      outcome: call.outcome,
      ...(call.error ? { error: call.error } : {}),
    }
    if (call.outcome === 'failed') tenant.lastError = `${call.operation}: ${call.error ?? 'failed'}`
    if (call.operation === 'ReplicationCompleted' && call.outcome === 'ok') {
      tenant.lastCompletedAt = at
      tenant.lastError = undefined
    }
  }

  tableChanged(contextId: string, table: string, change: string): void {
    if (change === 'None') return
    const history = this.#tenant(contextId).schemaChanges
    history.unshift({ at: this.#now(), table, change })
    history.length = Math.min(history.length, HISTORY)
  }

  setPaused(contextId: string, paused: boolean): void {
    this.#tenant(contextId).paused = paused
  }

  isPaused(contextId: string): boolean {
    return this.#tenants.get(contextId)?.paused ?? false
  }

  tenants(): readonly TenantActivity[] {
    return [...this.#tenants.values()].sort((a, b) => a.contextId.localeCompare(b.contextId))
  }

  tenant(contextId: string): TenantActivity | undefined {
    return this.#tenants.get(contextId)
  }

  /** Makes a tenant known (e.g. one whose mirror exists from before this process). */
  know(contextId: string): TenantActivity {
    return this.#tenant(contextId)
  }

  #tenant(contextId: string): TenantActivity {
    let tenant = this.#tenants.get(contextId)
    if (!tenant) {
      tenant = {
        contextId,
        lastCall: undefined,
        lastCompletedAt: undefined,
        lastError: undefined,
        paused: false,
        schemaChanges: [],
      }
      this.#tenants.set(contextId, tenant)
    }
    return tenant
  }
}
