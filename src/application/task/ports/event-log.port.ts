export type EventType = 'Information' | 'Warning' | 'Error'

/** An entry of a tenant's event log, as Operations Center keeps one (protocol.md §1.3, item 7). */
export interface TenantEvent {
  readonly contextId: string
  readonly clientId: string
  /** Milliseconds since the epoch. */
  readonly at: number
  readonly type: EventType
  readonly message: string
}

export interface EventLog {
  append(event: TenantEvent): Promise<void>
  /** Newest first. */
  list(contextId: string, limit: number): Promise<readonly TenantEvent[]>
}
