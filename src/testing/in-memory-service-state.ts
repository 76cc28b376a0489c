import { DEFAULTS } from '../adapters/bootstrap/config.ts'
import { DeferredServiceState } from '../adapters/state/deferred-service-state.ts'
import type { Clock } from '../application/ports/clock.port.ts'
import type { Retention } from '../application/ports/service-state.port.ts'

export interface InMemoryServiceStateOptions {
  /** How much activity is kept; the CLI's defaults when absent. */
  readonly retention?: Retention
  /** Seconds a nonce stays claimed past its token's expiry; the default clock skew when absent. */
  readonly graceSeconds?: number
}

/**
 * The service state (nonces, pauses, activity) of `--state memory:`: the real store in an
 * in-memory SQLite database, so that a test sees what a deployment would, gone when it closes.
 * Its engine is loaded when a state is made, not when the testing entry is imported.
 */
export function inMemoryServiceState(clock: Clock, options: InMemoryServiceStateOptions = {}): DeferredServiceState {
  return new DeferredServiceState(async () => {
    const { openServiceState } = await import('../adapters/state/open-service-state.ts')
    return openServiceState('memory:', {
      retention: options.retention ?? {
        days: DEFAULTS.stateRetentionDays,
        rowsPerTenant: DEFAULTS.stateRowsPerTenant,
      },
      graceSeconds: options.graceSeconds ?? DEFAULTS.clockSkewSeconds,
      now: () => clock.now(),
    })
  })
}
