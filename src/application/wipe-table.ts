import type { WipeRequest } from '../domain/protocol/messages.ts'
import { identifierKey, identifierProblem } from '../domain/schema/identifier.ts'
import { clip } from '../domain/shared/clip.ts'
import { err, ok } from '../domain/shared/result.ts'
import { tableLockKey } from './authorize-call.ts'
import type { MirroringDeps } from './mirroring-deps.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed, openMirror, reported, runHook, runMirror } from './operation-support.ts'

/** Wipe (protocol.md §3.5): empties a table, keeping its definition, and sets its LSN to -1. */
export class WipeTable {
  readonly #deps: MirroringDeps

  constructor(deps: MirroringDeps) {
    this.#deps = deps
  }

  async execute(request: WipeRequest): Promise<OperationOutcome<void>> {
    return reported(this.#deps.admin, 'Wipe', await this.#run(request))
  }

  async #run(request: WipeRequest): Promise<OperationOutcome<void>> {
    const call = await this.#deps.authorize.execute(request.signedToken)
    if (!call.ok) return failed(call.error)
    const { contextId } = call.value
    const problem = identifierProblem(request.table)
    if (problem) return failed({ kind: 'InvalidTableName', table: clip(request.table), reason: problem }, contextId)

    const opened = await openMirror(this.#deps.mirrors, contextId)
    if (!opened.ok) return outcome(opened, contextId, 1)
    const { db, state } = opened.value
    const stored = state.tables.get(identifierKey(request.table))
    if (!stored || !state.physicalTables.has(identifierKey(request.table))) {
      return outcome(err({ kind: 'TableNotInMirror', table: request.table }), contextId, 1)
    }
    const wiped = await runMirror(stored.table, () =>
      this.#deps.locks.run([tableLockKey(contextId, stored.table)], () => db.wipe(stored.table)),
    )
    if (!wiped.ok) return outcome(wiped, contextId, 1)
    const hook = await runHook('onWipe', () =>
      this.#deps.admin.onWipe?.({ contextId, table: stored.table, clientState: request.clientState }),
    )
    return outcome(hook.ok ? ok(undefined) : hook, contextId, 1)
  }
}
