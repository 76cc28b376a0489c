import type { ReplicationSummary } from '../../domain/changes/replication-summary.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import type { OperationName } from '../../domain/protocol/messages.ts'
import type { SchemaChangeKind } from '../../domain/schema/schema-plan.ts'

export type MirrorEventType = 'Information' | 'Warning' | 'Error'

export interface MirrorEvent {
  readonly contextId: string
  readonly operation: OperationName
  readonly type: MirrorEventType
  readonly message: string
  readonly additionalInfo?: string
}

/**
 * Integrator hooks, the equivalent of the reference package's IMirrorAdmin (protocol.md §8.2).
 * Every member is optional; the service awaits each one and fails the call if it throws, as
 * the reference does. Keep them quick: the Mirroring Task waits for the reply.
 */
export interface MirrorAdmin {
  /** Every operation's outcome (LogEvent). */
  logEvent?(event: MirrorEvent): void | Promise<void>
  /** After each table's schema step in TableSchema (OnBeforeReplicateTable). */
  onBeforeReplicateTable?(event: {
    readonly contextId: ContextId
    readonly table: string
    readonly change: SchemaChangeKind
    readonly clientState: string
    /** What the change did, naming columns and types (`add extra nvarchar(30)`); empty when none. */
    readonly detail?: string
  }): void | Promise<void>
  /** After a table was emptied (OnWipe). */
  onWipe?(event: {
    readonly contextId: ContextId
    readonly table: string
    readonly clientState: string
  }): void | Promise<void>
  /** At the end of a cycle (OnReplicationCompleted). */
  onReplicationCompleted?(event: {
    readonly contextId: ContextId
    readonly summary: readonly ReplicationSummary[]
    readonly clientState: string
  }): void | Promise<void>
  /** Asks SuperOffice not to replicate now (`{"doNotReplicate":"true"}`), e.g. while the partner maintains the mirror. */
  doNotReplicate?(contextId: ContextId): boolean | Promise<boolean>
}
