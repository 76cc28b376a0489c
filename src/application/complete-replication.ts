import { parseReplicationSummaries, totalRows } from '../domain/changes/replication-summary.ts'
import type { VerifiedCall } from '../domain/handshake/token-claims.ts'
import type { ReplicationCompletedRequest } from '../domain/protocol/messages.ts'
import { ok } from '../domain/shared/result.ts'
import type { AuthorizeCall } from './authorize-call.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed, runHook } from './operation-support.ts'
import type { MirrorAdmin } from './ports/mirror-admin.port.ts'
import { type CallGate, tenantCall } from './tenant-call.ts'

/** ReplicationCompleted (protocol.md §3.6): the end of a cycle; hands the summary to the integrator. */
export class CompleteReplication {
  readonly #gate: CallGate

  constructor(authorize: AuthorizeCall, admin: MirrorAdmin) {
    this.#gate = { authorize, admin }
  }

  execute(request: ReplicationCompletedRequest): Promise<OperationOutcome<void>> {
    return tenantCall(this.#gate, 'ReplicationCompleted', request.signedToken, (call) => this.#run(request, call))
  }

  async #run(request: ReplicationCompletedRequest, { contextId }: VerifiedCall): Promise<OperationOutcome<void>> {
    const summary = parseReplicationSummaries(request.changedTables)
    if (!summary.ok) return failed(summary.error, contextId)
    const hook = await runHook('onReplicationCompleted', () =>
      this.#gate.admin.onReplicationCompleted?.({
        contextId,
        summary: summary.value,
        clientState: request.clientState,
      }),
    )
    return outcome(hook.ok ? ok(undefined) : hook, contextId, summary.value.length, totalRows(summary.value))
  }
}
