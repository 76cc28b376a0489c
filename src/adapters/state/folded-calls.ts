import type { CallRecord } from '../../application/ports/service-state.port.ts'

const MINUTE = 60_000

export interface MinuteSums {
  readonly contextId: string
  readonly minute: number
  calls: number
  failures: number
  rows: number
  ms: number
}

export interface TableLast {
  readonly contextId: string
  readonly table: string
  at: number
  rows: number
}

/** What a batch of calls changes in the state store, worked out before any statement runs. */
export interface FoldedCalls {
  /** Per tenant (`''`: calls without one) and minute, the sums to add. */
  readonly minutes: readonly MinuteSums[]
  /** The failed and faulted calls, in order. */
  readonly errors: readonly CallRecord[]
  /** Per tenant and table, the last call that wrote rows into it. */
  readonly tables: readonly TableLast[]
  /** Per tenant, its calls in order: its cycle moves on through each. */
  readonly tenants: ReadonlyMap<string, readonly CallRecord[]>
}

/** The rows a call wrote, whatever their operation. */
export const rowsOf = (call: CallRecord): number =>
  call.rows ? call.rows.inserts + call.rows.updates + call.rows.deletes : 0

/**
 * A batch of calls folded into one change per row of the store it touches, each list in key
 * order, so that replicas sharing a PostgreSQL store take the rows' locks in one order (no
 * deadlock) and a batch of a hundred calls costs a few statements a tenant, not five a call.
 */
export function foldCalls(calls: readonly CallRecord[]): FoldedCalls {
  const minutes = new Map<string, MinuteSums>()
  const tables = new Map<string, TableLast>()
  const tenants = new Map<string, CallRecord[]>()
  const errors: CallRecord[] = []
  for (const call of calls) {
    const contextId = call.contextId ?? ''
    const minute = Math.floor(call.at / MINUTE) * MINUTE
    const failed = call.outcome === 'ok' ? 0 : 1
    const key = `${contextId}\u0000${minute}`
    const sums = minutes.get(key) ?? { contextId, minute, calls: 0, failures: 0, rows: 0, ms: 0 }
    sums.calls++
    sums.failures += failed
    sums.rows += rowsOf(call)
    sums.ms += call.ms
    minutes.set(key, sums)
    if (failed) errors.push(call)
    if (call.contextId === undefined) continue
    for (const table of call.tables ?? []) {
      if (table.rows === 0) continue
      tables.set(`${contextId}\u0000${table.table}`, { contextId, table: table.table, at: call.at, rows: table.rows })
    }
    const own = tenants.get(contextId)
    if (own) own.push(call)
    else tenants.set(contextId, [call])
  }
  const byKey = <T>(map: Map<string, T>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    minutes: byKey(minutes).map(([, sums]) => sums),
    errors,
    tables: byKey(tables).map(([, last]) => last),
    tenants: new Map(byKey(tenants)),
  }
}
