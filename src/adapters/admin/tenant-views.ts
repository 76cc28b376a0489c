import type { CycleRecord, ErrorRecord, TenantRecord } from '../../application/ports/service-state.port.ts'

/** How a tenant is doing, worst first: the dashboard sorts and colours by it. */
export type Health = 'failing' | 'stale' | 'new' | 'paused' | 'ok'
export const HEALTH_ORDER: readonly Health[] = ['failing', 'stale', 'new', 'paused', 'ok']

/**
 * failing: its last call failed and no cycle has completed since; stale: no cycle completed
 * for `staleAfterMs` (a task that stopped calling fails nothing, so time must tell); new: seen
 * but no cycle completed yet; paused: the operator paused it; ok otherwise.
 */
export function healthOf(tenant: TenantRecord, now: number, staleAfterMs: number): Health {
  const error = tenant.lastError
  if (error && (tenant.lastCompletedAt === undefined || error.at > tenant.lastCompletedAt)) return 'failing'
  if (tenant.paused) return 'paused'
  if (tenant.lastCompletedAt === undefined) return now - tenant.firstSeenAt > staleAfterMs ? 'stale' : 'new'
  return now - tenant.lastCompletedAt > staleAfterMs ? 'stale' : 'ok'
}

export function tenantView(tenant: TenantRecord, cycles: readonly CycleRecord[], now: number, staleAfterMs: number) {
  return {
    contextId: tenant.contextId,
    health: healthOf(tenant, now, staleAfterMs),
    paused: tenant.paused,
    lastCall: tenant.lastCall ?? null,
    lastSuccessAt: tenant.lastSuccessAt ?? null,
    lastCompletedAt: tenant.lastCompletedAt ?? null,
    lastError: tenant.lastError ? errorView(tenant.lastError) : null,
    failures24h: tenant.failures24h,
    recentCycles: cycles.map(cycleView),
  }
}

export function cycleView(cycle: CycleRecord) {
  return {
    startedAt: cycle.startedAt,
    endedAt: cycle.endedAt,
    durationMs: cycle.endedAt - cycle.startedAt,
    outcome: cycle.outcome,
    rows: cycle.rows,
    calls: cycle.calls,
    error: cycle.error ?? null,
    reference: cycle.reference ?? null,
  }
}

export function errorView(error: ErrorRecord) {
  return {
    at: error.at,
    contextId: error.contextId ?? null,
    operation: error.operation,
    message: error.message,
    reference: error.reference ?? null,
  }
}

/** Worst health first, then by name. */
export function byHealth(a: { health: Health; contextId: string }, b: { health: Health; contextId: string }): number {
  return HEALTH_ORDER.indexOf(a.health) - HEALTH_ORDER.indexOf(b.health) || a.contextId.localeCompare(b.contextId)
}
