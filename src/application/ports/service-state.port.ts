import type { NonceStore } from './nonce-store.port.ts'

/**
 * What the client service remembers beyond one call, and what several replicas of it must share:
 * the replay guard's nonces, the operator's pause switch, and the activity the dashboard shows —
 * calls, cycles, errors, schema changes, per-minute figures. One store serves every replica
 * (`--state postgres://…`), or one process keeps it in a local file (`sqlite:`, the default).
 */
export interface ServiceState extends NonceStore, PauseFlags, ActivityLog, ActivityQueries {
  /** Deletes expired nonces and activity past the retention; returns what it deleted. */
  sweep(now: number): Promise<number>
  /** Resolves when the store answers; for readiness. */
  probe(): Promise<void>
  close(): Promise<void>
}

/** The operator's pause: a paused tenant's Authenticate answers doNotReplicate, on every replica. */
export interface PauseFlags {
  isPaused(contextId: string): Promise<boolean>
  setPaused(contextId: string, paused: boolean, at: number): Promise<void>
}

/** One answered call, as the HTTP adapter saw it. */
export interface CallRecord {
  readonly at: number
  /** Unknown for a call refused before its token named a tenant. */
  readonly contextId: string | undefined
  readonly operation: string
  readonly outcome: 'ok' | 'failed' | 'fault'
  readonly error?: string
  /** The log line's reference, for failed and faulted calls. */
  readonly reference?: string
  readonly ms: number
  /** RowData: rows applied by operation, and per table. */
  readonly rows?: { readonly inserts: number; readonly updates: number; readonly deletes: number }
  readonly tables?: readonly { readonly table: string; readonly rows: number }[]
}

export interface SchemaChangeRecord {
  readonly at: number
  readonly contextId: string
  readonly table: string
  readonly change: string
  /** Which columns changed and how, e.g. `added extra_3 nvarchar(30)`. */
  readonly detail: string
}

/** Writes of activity; every one is a single statement, so replicas never overwrite each other. */
export interface ActivityLog {
  recordCalls(calls: readonly CallRecord[]): Promise<void>
  recordSchemaChange(change: SchemaChangeRecord): Promise<void>
  /** Makes a tenant known without a call (one whose mirror exists from before). */
  knowTenant(contextId: string, at: number): Promise<void>
}

export interface TenantRecord {
  readonly contextId: string
  readonly paused: boolean
  readonly firstSeenAt: number
  readonly lastCall: { readonly at: number; readonly operation: string; readonly outcome: string } | undefined
  /** The last call that succeeded, and the last cycle that completed (ReplicationCompleted). */
  readonly lastSuccessAt: number | undefined
  readonly lastCompletedAt: number | undefined
  /** The last failed call; cleared when a later cycle completes. */
  readonly lastError: ErrorRecord | undefined
  readonly failures24h: number
}

export interface CycleRecord {
  readonly contextId: string
  readonly startedAt: number
  readonly endedAt: number
  readonly outcome: 'ok' | 'failed' | 'abandoned'
  readonly rows: number
  readonly calls: number
  readonly error: string | undefined
  readonly reference: string | undefined
}

export interface ErrorRecord {
  readonly at: number
  readonly contextId: string | undefined
  readonly operation: string
  readonly message: string
  readonly reference: string | undefined
}

/** Calls, failures, rows and time per minute, for one tenant or all. */
export interface MinuteRecord {
  readonly minute: number
  readonly calls: number
  readonly failures: number
  readonly rows: number
  readonly ms: number
}

export interface TableActivityRecord {
  readonly table: string
  /** When a RowData call last wrote rows to the table, and how many. */
  readonly lastDataAt: number
  readonly lastRows: number
}

export interface ActivityQueries {
  tenants(now: number): Promise<readonly TenantRecord[]>
  tenant(contextId: string, now: number): Promise<TenantRecord | undefined>
  cycles(contextId: string, limit: number): Promise<readonly CycleRecord[]>
  errors(options: { readonly contextId?: string; readonly limit: number }): Promise<readonly ErrorRecord[]>
  schemaChanges(contextId: string, limit: number): Promise<readonly SchemaChangeRecord[]>
  minutes(options: { readonly contextId?: string; readonly since: number }): Promise<readonly MinuteRecord[]>
  tableActivity(contextId: string): Promise<readonly TableActivityRecord[]>
}

/** How much activity is kept: whichever limit is reached first. */
export interface Retention {
  readonly days: number
  /** Cycles, errors and schema changes kept per tenant. */
  readonly rowsPerTenant: number
}
