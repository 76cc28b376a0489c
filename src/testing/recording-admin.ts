import type { MirrorAdmin, MirrorEvent } from '../application/ports/mirror-admin.port.ts'

/** Integrator hooks that remember what they were told, and refuse or pause when a test says so. */
export class RecordingAdmin implements MirrorAdmin {
  readonly events: MirrorEvent[] = []
  readonly tables: { table: string; change: string }[] = []
  readonly wipes: string[] = []
  readonly completions: unknown[] = []
  paused = new Set<string>()
  failOn: string | undefined

  logEvent(event: MirrorEvent) {
    this.events.push(event)
  }
  onBeforeReplicateTable(event: { table: string; change: string }) {
    if (this.failOn === 'onBeforeReplicateTable') throw new Error('hook refused')
    this.tables.push({ table: event.table, change: event.change })
  }
  onWipe(event: { table: string }) {
    if (this.failOn === 'onWipe') throw new Error('hook refused')
    this.wipes.push(event.table)
  }
  onReplicationCompleted(event: { summary: unknown }) {
    if (this.failOn === 'onReplicationCompleted') throw new Error('hook refused')
    this.completions.push(event.summary)
  }
  doNotReplicate(contextId: string) {
    return this.paused.has(contextId)
  }
}
