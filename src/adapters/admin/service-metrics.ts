import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { CallEvent } from '../http/call-summary.ts'

/**
 * The Prometheus metrics of one service process (each replica is scraped on its own), and its
 * readiness. What several replicas share — tenants, cycles, errors, pauses — is the state
 * store's; these are this process's counts of what it answered.
 */
export class ServiceMetrics {
  readonly registry = new Registry()
  /** False once shutdown begins: /readyz turns 503 so that a load balancer stops sending calls. */
  ready = true
  readonly #tenantLabels: boolean
  readonly #calls = new Counter({
    name: 'tenant_mirror_calls_total',
    help: 'SOAP calls by operation and outcome',
    labelNames: ['operation', 'outcome'],
    registers: [this.registry],
  })
  readonly #rows = new Counter({
    name: 'tenant_mirror_rows_applied_total',
    help: 'Rows applied by RowData, by operation (I, U, D)',
    labelNames: ['operation'],
    registers: [this.registry],
  })
  readonly #superseded = new Counter({
    name: 'tenant_mirror_batches_superseded_total',
    help: 'RowData batches acknowledged without writing because the table already held a later LSN',
    registers: [this.registry],
  })
  readonly #batchSeconds = new Histogram({
    name: 'tenant_mirror_rowdata_apply_seconds',
    help: 'Time to read and apply one RowData call',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  })
  readonly #phaseSeconds = new Counter({
    name: 'tenant_mirror_rowdata_phase_seconds_total',
    help: 'Time written RowData calls spent parsing their bodies, decoding their values and writing them, by phase',
    labelNames: ['phase'],
    registers: [this.registry],
  })
  readonly #rowsScanned = new Counter({
    name: 'tenant_mirror_rowdata_rows_scanned_total',
    help: 'Rows of written RowData calls that the XML scanner read tag by tag rather than whole in the Mirroring Task spelling: a few cut by the ends of the body pieces, all of them when a sender spells rows otherwise (about twice the parsing)',
    registers: [this.registry],
  })
  readonly #callSeconds = new Histogram({
    name: 'tenant_mirror_call_seconds',
    help: 'Time from request to reply, by operation, in the service',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  })
  readonly #lastSuccess = new Gauge({
    name: 'tenant_mirror_tenant_last_success_timestamp_seconds',
    help: 'When this process last answered a call of the tenant successfully (Unix time)',
    labelNames: ['tenant'],
    registers: [this.registry],
  })
  readonly #lastCompleted = new Gauge({
    name: 'tenant_mirror_tenant_last_completed_timestamp_seconds',
    help: 'When this process last answered a ReplicationCompleted of the tenant: a cycle ended well (Unix time)',
    labelNames: ['tenant'],
    registers: [this.registry],
  })
  readonly #lastError = new Gauge({
    name: 'tenant_mirror_tenant_last_error_timestamp_seconds',
    help: 'When a call of the tenant last failed in this process (Unix time)',
    labelNames: ['tenant'],
    registers: [this.registry],
  })

  /** `tenantLabels: false` drops the per-tenant series, for a service with very many tenants. */
  constructor(options: { tenantLabels?: boolean; now?: () => number } = {}) {
    this.#tenantLabels = options.tenantLabels ?? true
    const now = options.now ?? Date.now
    const recent = new Map<string, number>()
    this.#recent = recent
    this.#now = now
    new Gauge({
      name: 'tenant_mirror_active_tenants',
      help: 'Tenants with a call in this process in the last 10 minutes',
      registers: [this.registry],
      collect() {
        const since = now() - 10 * 60_000
        for (const [tenant, at] of recent) if (at < since) recent.delete(tenant)
        this.set(recent.size)
      },
    })
    const metrics = this
    new Gauge({
      name: 'tenant_mirror_ready',
      help: '1 while /readyz answers 200: not shutting down and the mirror server and state store answering',
      registers: [this.registry],
      async collect() {
        const problems = metrics.ready ? await metrics.#readinessProblems() : ['shutting down']
        this.set(problems.length === 0 ? 1 : 0)
      },
    })
    collectDefaultMetrics({ register: this.registry })
  }

  #readinessProblems: () => Promise<readonly string[]> = async () => []

  /** Where `tenant_mirror_ready` learns what /readyz knows, so that an alert needs no prober. */
  readinessFrom(problems: () => Promise<readonly string[]>): void {
    this.#readinessProblems = problems
  }

  readonly #recent: Map<string, number>
  readonly #now: () => number

  get contentType(): string {
    return this.registry.contentType
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  record(call: CallEvent): void {
    this.#calls.inc({ operation: call.operation, outcome: call.outcome })
    this.#callSeconds.observe({ operation: call.operation }, call.ms / 1000)
    if (call.operation === 'RowData' && call.outcome === 'ok') {
      const { rows, superseded } = call.written
      this.#batchSeconds.observe(call.ms / 1000)
      this.#rows.inc({ operation: 'I' }, rows.inserts)
      this.#rows.inc({ operation: 'U' }, rows.updates)
      this.#rows.inc({ operation: 'D' }, rows.deletes)
      this.#superseded.inc(superseded.length)
      const phases = call.written.phases
      if (phases) {
        if (phases.parseMs !== undefined) this.#phaseSeconds.inc({ phase: 'parse' }, phases.parseMs / 1000)
        this.#phaseSeconds.inc({ phase: 'decode' }, phases.decodeMs / 1000)
        this.#phaseSeconds.inc({ phase: 'write' }, phases.writeMs / 1000)
      }
      if (call.written.rowsScanned !== undefined) this.#rowsScanned.inc(call.written.rowsScanned)
    }
    if (!call.contextId) return
    const now = this.#now()
    this.#recent.set(call.contextId, now)
    if (!this.#tenantLabels) return
    const seconds = now / 1000
    if (call.outcome === 'ok') {
      this.#lastSuccess.set({ tenant: call.contextId }, seconds)
      if (call.operation === 'ReplicationCompleted') this.#lastCompleted.set({ tenant: call.contextId }, seconds)
    } else this.#lastError.set({ tenant: call.contextId }, seconds)
  }
}
