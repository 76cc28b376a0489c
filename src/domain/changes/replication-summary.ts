import type { WireReplicationSummary } from '../protocol/messages.ts'
import { identifierProblem } from '../schema/identifier.ts'
import { err, ok, type Result } from '../shared/result.ts'
import type { ChangeError } from './change-error.ts'

/** Per-table counts of a completed cycle, as ReplicationCompleted reports them (protocol.md §3.6). */
export interface ReplicationSummary {
  readonly table: string
  readonly inserts: number
  readonly updates: number
  readonly deletes: number
}

export function parseReplicationSummaries(
  wire: readonly WireReplicationSummary[],
): Result<readonly ReplicationSummary[], ChangeError> {
  const out: ReplicationSummary[] = []
  for (const entry of wire) {
    const problem = identifierProblem(entry.table)
    if (problem) return err({ kind: 'InvalidTableName', table: entry.table.slice(0, 60), reason: problem })
    const counts = [entry.inserts, entry.updates, entry.deletes].map((t) =>
      /^\d{1,10}$/.test(t.trim()) ? Number(t) : -1,
    )
    if (counts.some((n) => n < 0 || n > 2147483647)) {
      return err({ kind: 'InvalidSummary', table: entry.table, reason: 'counts must be non-negative integers' })
    }
    out.push({ table: entry.table, inserts: counts[0]!, updates: counts[1]!, deletes: counts[2]! })
  }
  return ok(out)
}

export function totalRows(summary: readonly ReplicationSummary[]): number {
  return summary.reduce((sum, s) => sum + s.inserts + s.updates + s.deletes, 0)
}
