import type { Row } from '../../domain/changes/cell-value.ts'
import type { Lsn } from '../../domain/changes/lsn.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'

/**
 * What an operator, or a test, reads and resets in one tenant's mirror besides what the use
 * cases do: no use case calls it, so a MirrorDatabase wrapper need not forward it.
 */
export interface MirrorInspection {
  readonly contextId: ContextId

  /** Sets a table's LSN (an operator's forced resync uses -1). */
  setLsn(table: string, lsn: Lsn): Promise<void>

  /** Streams a table's rows, positional to its stored schema, in key order. */
  readRows(table: string): AsyncIterable<Row>

  /** How many rows a table holds (for operators' dashboards). */
  countRows(table: string): Promise<number>
}

/**
 * What the dashboard and tests read and reset; a provider may offer it beside
 * MirrorDatabaseProvider (the built-in ones do), or an integrator passes one of their own.
 */
export interface MirrorInspector {
  /** Opens (and on first use creates) the tenant's mirror for inspection. */
  inspect(contextId: ContextId): Promise<MirrorInspection>
}

/** Whether a value, typically a MirrorDatabaseProvider, offers inspection too. */
export function isMirrorInspector(value: unknown): value is MirrorInspector {
  return typeof value === 'object' && value !== null && typeof (value as { inspect?: unknown }).inspect === 'function'
}

/**
 * Thrown by an inspector that turns out to have nothing to inspect with (a lazily loaded
 * provider whose loaded one offers no inspection); the dashboard answers 501.
 */
export class MirrorInspectionUnavailable extends Error {
  constructor(message = 'the mirror provider offers no inspection; pass an inspector') {
    super(message)
    this.name = 'MirrorInspectionUnavailable'
  }
}
