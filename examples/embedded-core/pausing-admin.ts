import type { ContextId, MirrorAdmin, ReplicationSummary, SchemaChangeKind } from 'tenant-mirror/core'

/**
 * Integrator hooks of one's own: remembers what each cycle did, and asks SuperOffice not to
 * replicate a tenant while it is paused (say, while the partner maintains its mirror).
 */
export class PausingAdmin implements MirrorAdmin {
  readonly tables: { contextId: string; table: string; change: SchemaChangeKind }[] = []
  readonly completed: { contextId: string; summary: readonly ReplicationSummary[] }[] = []
  readonly #paused = new Set<string>()

  pause(contextId: string): void {
    this.#paused.add(contextId)
  }

  resume(contextId: string): void {
    this.#paused.delete(contextId)
  }

  doNotReplicate(contextId: ContextId): boolean {
    return this.#paused.has(contextId)
  }

  onBeforeReplicateTable(event: { contextId: ContextId; table: string; change: SchemaChangeKind }): void {
    this.tables.push({ contextId: event.contextId, table: event.table, change: event.change })
  }

  onReplicationCompleted(event: { contextId: ContextId; summary: readonly ReplicationSummary[] }): void {
    this.completed.push({ contextId: event.contextId, summary: event.summary })
  }
}
