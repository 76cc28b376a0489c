import { Counter, Gauge, type Registry } from 'prom-client'
import type { InflightBudget } from './inflight-budget.ts'

/** The in-flight budget on /metrics: what calls hold now, the most they ever held, the busy answers. */
export function registerBudgetMetrics(registry: Registry, budget: InflightBudget): void {
  new Gauge({
    name: 'tenant_mirror_inflight_bytes',
    help: 'Request-body bytes held by calls in flight',
    registers: [registry],
    collect() {
      this.set(budget.used)
    },
  })
  new Gauge({
    name: 'tenant_mirror_inflight_bytes_peak',
    help: 'The most request-body bytes held by calls at once since the service started',
    registers: [registry],
    collect() {
      this.set(budget.peak)
    },
  })
  new Gauge({
    name: 'tenant_mirror_inflight_bytes_limit',
    help: 'The in-flight budget (--max-inflight-bytes)',
    registers: [registry],
    collect() {
      this.set(budget.capacity)
    },
  })
  new Gauge({
    name: 'tenant_mirror_inflight_calls',
    help: 'Calls in flight (read and applied at once)',
    registers: [registry],
    collect() {
      this.set(budget.calls)
    },
  })
  new Gauge({
    name: 'tenant_mirror_inflight_calls_peak',
    help: 'The most calls in flight at once since the service started',
    registers: [registry],
    collect() {
      this.set(budget.peakCalls)
    },
  })
  new Gauge({
    name: 'tenant_mirror_inflight_calls_limit',
    help: 'Calls allowed in flight at once (--max-inflight-calls)',
    registers: [registry],
    collect() {
      this.set(budget.maxCalls)
    },
  })
  new Counter({
    name: 'tenant_mirror_busy_total',
    help: 'Calls answered busy (HTTP 503) because the in-flight budget (bytes or calls) stayed full',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(budget.refusals)
    },
  })
}
