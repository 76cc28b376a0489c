import type { Logger } from '../../application/ports/logger.port.ts'
import type { MirrorAdmin, MirrorEvent } from '../../application/ports/mirror-admin.port.ts'

/**
 * The default integrator hooks: warnings and errors reported through LogEvent go to the log
 * (successes are already in the per-call log line). An integrator's own MirrorAdmin is layered
 * over it by the composition root.
 */
export function loggingMirrorAdmin(logger: Logger, integrator: MirrorAdmin = {}): MirrorAdmin {
  return {
    ...delegate(integrator),
    async logEvent(event: MirrorEvent) {
      if (event.type === 'Warning')
        logger.warn({ contextId: event.contextId, operation: event.operation }, event.message)
      await integrator.logEvent?.(event)
    },
  }
}

/**
 * Every hook the integrator has, bound to it: an integrator's MirrorAdmin may be a class whose
 * methods live on its prototype, which an object spread would lose.
 */
export function delegate(admin: MirrorAdmin): MirrorAdmin {
  const hooks = ['logEvent', 'onBeforeReplicateTable', 'onWipe', 'onReplicationCompleted', 'doNotReplicate'] as const
  const bound: Record<string, unknown> = {}
  for (const hook of hooks) {
    const method = admin[hook] as ((...args: unknown[]) => unknown) | undefined
    if (typeof method === 'function') bound[hook] = method.bind(admin)
  }
  return bound as MirrorAdmin
}
