import type { MirroringPreferences } from '../task/preferences.ts'

/** A customer of SuperOffice Online: its context id, its database, its mirroring preferences. */
export interface Tenant extends MirroringPreferences {
  readonly contextId: string
  /** Where the tenant's source database is: `sqlite:<file>`, `postgres://…`, `mssql://…`. */
  readonly sourceUrl: string
}

/** A tenant's consent to an application: from then on its cycles run (protocol.md §1.3). */
export interface Approval {
  readonly contextId: string
  readonly clientId: string
  /** Milliseconds since the epoch. */
  readonly approvedAt: number
}

export type CycleOutcome = 'ok' | 'skipped' | 'failed'

/** The scheduler's memory of one (tenant, application) pair. */
export interface PairStatus {
  readonly contextId: string
  readonly clientId: string
  readonly lastStartedAt: number | undefined
  readonly lastFinishedAt: number | undefined
  readonly lastOutcome: CycleOutcome | undefined
  readonly lastError: string | undefined
}
