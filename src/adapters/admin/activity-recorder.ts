import { describeError } from '../../application/describe-error.ts'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { ActivityLog, CallRecord } from '../../application/ports/service-state.port.ts'
import type { CallEvent } from '../http/call-summary.ts'
import type { ServiceMetrics } from './service-metrics.ts'

/** Calls waiting to be written; past this the oldest are dropped (and counted in the log). */
const MAX_PENDING = 10_000
const BATCH = 500
/**
 * How long a call waits for others before the store writes them: one transaction then carries the
 * calls of a tenth of a second (a full load's eight or so), folded into a few statements a tenant.
 */
const GATHER_MS = 100

/**
 * Takes every answered call: this process's metrics at once, the shared state store in the
 * background — one batch at a time, in order, the calls of up to GATHER_MS together — so that no
 * reply waits for the dashboard's bookkeeping, and a state store that is slow or down costs
 * figures, never calls.
 */
export class ActivityRecorder {
  readonly #log: ActivityLog
  readonly #metrics: ServiceMetrics
  readonly #logger: Logger
  readonly #now: () => number
  readonly #pending: CallRecord[] = []
  #writing: Promise<void> | undefined
  #gathering: ReturnType<typeof setTimeout> | undefined
  #dropped = 0

  constructor(log: ActivityLog, metrics: ServiceMetrics, logger: Logger, now: () => number) {
    this.#log = log
    this.#metrics = metrics
    this.#logger = logger
    this.#now = now
  }

  record(call: CallEvent): void {
    this.#metrics.record(call)
    if (this.#pending.length >= MAX_PENDING) {
      this.#pending.shift()
      this.#dropped++
    }
    this.#pending.push(callRecord(call, this.#now()))
    // A write under way takes what came meanwhile when it is done.
    if (this.#writing || this.#gathering) return
    this.#gathering = setTimeout(() => this.#write(), GATHER_MS)
    this.#gathering.unref?.()
  }

  /** Resolves once every call recorded so far is written (or given up on). */
  async flush(): Promise<void> {
    if (this.#gathering) this.#write()
    while (this.#writing) await this.#writing
  }

  #write(): void {
    clearTimeout(this.#gathering)
    this.#gathering = undefined
    this.#writing ??= this.#drain()
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, BATCH)
        try {
          await this.#log.recordCalls(batch)
        } catch (error) {
          this.#logger.warn(
            { calls: batch.length, err: error instanceof Error ? error.message.split('\n')[0] : String(error) },
            'state store: calls not recorded',
          )
        }
        if (this.#dropped > 0) {
          this.#logger.warn({ calls: this.#dropped }, 'state store: calls dropped while it lagged behind')
          this.#dropped = 0
        }
      }
    } finally {
      this.#writing = undefined
    }
  }
}

/** The call as the state store keeps it: its error worded, and what a RowData call wrote. */
function callRecord(call: CallEvent, at: number): CallRecord {
  const error =
    call.outcome === 'failed' ? describeError(call.error) : call.outcome === 'fault' ? call.message : undefined
  const written = call.operation === 'RowData' && call.outcome === 'ok' ? call.written : undefined
  return {
    at,
    contextId: call.contextId,
    operation: call.operation,
    outcome: call.outcome,
    ms: call.ms,
    ...(error !== undefined ? { error } : {}),
    ...(call.reference !== undefined ? { reference: call.reference } : {}),
    ...(written ? { rows: written.rows, tables: written.tables } : {}),
  }
}
