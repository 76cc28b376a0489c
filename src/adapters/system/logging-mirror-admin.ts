import type { Logger } from '../../application/ports/logger.port.ts'
import type { MirrorAdmin, MirrorEvent } from '../../application/ports/mirror-admin.port.ts'

/**
 * The default integrator hooks: warnings and errors reported through LogEvent go to the log
 * (successes are already in the per-call log line). An integrator's own MirrorAdmin is layered
 * over it by the composition root.
 */
export function loggingMirrorAdmin(logger: Logger, integrator: MirrorAdmin = {}): MirrorAdmin {
  return {
    ...integrator,
    async logEvent(event: MirrorEvent) {
      if (event.type === 'Warning')
        logger.warn({ contextId: event.contextId, operation: event.operation }, event.message)
      await integrator.logEvent?.(event)
    },
  }
}
