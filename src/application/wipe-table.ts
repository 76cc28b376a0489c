import type { VerifiedCall } from '../domain/handshake/token-claims.ts'
import type { WipeRequest } from '../domain/protocol/messages.ts'
import { identifierKey, identifierProblem } from '../domain/schema/identifier.ts'
import { clip } from '../domain/shared/clip.ts'
import { err, ok } from '../domain/shared/result.ts'
import type { MirroringDeps } from './mirroring-deps.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed, runHook } from './operation-support.ts'
import { openTenantMirror, tenantCall } from './tenant-call.ts'

/** Wipe (protocol.md §3.5): empties a table, keeping its definition, and sets its LSN to -1. */
export class WipeTable {
  readonly #deps: MirroringDeps

  constructor(deps: MirroringDeps) {
    this.#deps = deps
  }

  execute(request: WipeRequest): Promise<OperationOutcome<void>> {
    return tenantCall(this.#deps, 'Wipe', request.signedToken, (call) => this.#run(request, call))
  }

  async #run(request: WipeRequest, { contextId }: VerifiedCall): Promise<OperationOutcome<void>> {
    const problem = identifierProblem(request.table)
    if (problem) return failed({ kind: 'InvalidTableName', table: clip(request.table), reason: problem }, contextId)

    // What the mirror last read or wrote of the table, as a RowData call does: a first load's
    // Wipe follows the TableSchema that created the table. A table dropped behind the mirror's
    // back since fails the wipe itself, and the next call reads the catalog again.
    const opened = await openTenantMirror(this.#deps, contextId, undefined, [request.table], { reuse: true })
    if (!opened.ok) return outcome(opened, contextId, 1)
    const mirror = opened.value
    const stored = mirror.state.tables.get(identifierKey(request.table))
    if (!stored || !mirror.state.physicalTables.has(identifierKey(request.table))) {
      return outcome(err({ kind: 'TableNotInMirror', table: request.table }), contextId, 1)
    }
    const wiped = await mirror.write([stored.table], (db) => db.wipe(stored.table))
    if (!wiped.ok) return outcome(wiped, contextId, 1)
    const hook = await runHook('onWipe', () =>
      this.#deps.admin.onWipe?.({ contextId, table: stored.table, clientState: request.clientState }),
    )
    return outcome(hook.ok ? ok(undefined) : hook, contextId, 1)
  }
}
