import { parseReplicationSummaries, totalRows } from '../domain/changes/replication-summary.ts'
import type { ReplicationCompletedRequest } from '../domain/protocol/messages.ts'
import { ok } from '../domain/shared/result.ts'
import type { AuthorizeCall } from './authorize-call.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed, reported, runHook } from './operation-support.ts'
import type { MirrorAdmin } from './ports/mirror-admin.port.ts'

/** ReplicationCompleted (protocol.md §3.6): the end of a cycle; hands the summary to the integrator. */
export class CompleteReplication {
  readonly #authorize: AuthorizeCall
  readonly #admin: MirrorAdmin

  constructor(authorize: AuthorizeCall, admin: MirrorAdmin) {
    this.#authorize = authorize
    this.#admin = admin
  }

  async execute(request: ReplicationCompletedRequest): Promise<OperationOutcome<void>> {
    return reported(this.#admin, 'ReplicationCompleted', await this.#run(request))
  }

  async #run(request: ReplicationCompletedRequest): Promise<OperationOutcome<void>> {
    const call = await this.#authorize.execute(request.signedToken)
    if (!call.ok) return failed(call.error)
    const { contextId } = call.value
    const summary = parseReplicationSummaries(request.changedTables)
    if (!summary.ok) return failed(summary.error, contextId)
    const hook = await runHook('onReplicationCompleted', () =>
      this.#admin.onReplicationCompleted?.({ contextId, summary: summary.value, clientState: request.clientState }),
    )
    return outcome(hook.ok ? ok(undefined) : hook, contextId, summary.value.length, totalRows(summary.value))
  }
}
