import type { Logger } from '../../application/ports/logger.port.ts'
import type { MirrorAdmin } from '../../application/ports/mirror-admin.port.ts'
import type { ActivityLog, PauseFlags } from '../../application/ports/service-state.port.ts'
import { delegate } from '../system/logging-mirror-admin.ts'

/**
 * The integrator's hooks, plus the dashboard's: the schema-change history and the pause switch,
 * both in the state store that every replica shares. A pause that cannot be read fails the
 * Authenticate (the operator's word is not guessed); a schema change that cannot be recorded
 * only costs its line in the history.
 */
export function activityMirrorAdmin(
  state: PauseFlags & ActivityLog,
  inner: MirrorAdmin,
  logger: Logger,
  now: () => number,
): MirrorAdmin {
  return {
    ...delegate(inner),
    async onBeforeReplicateTable(event) {
      if (event.change !== 'None') {
        await state
          .recordSchemaChange({
            at: now(),
            contextId: event.contextId,
            table: event.table,
            change: event.change,
            detail: event.detail ?? '',
          })
          .catch((error: unknown) =>
            logger.warn(
              {
                contextId: event.contextId,
                table: event.table,
                err: error instanceof Error ? error.message : String(error),
              },
              'state store: schema change not recorded',
            ),
          )
      }
      await inner.onBeforeReplicateTable?.(event)
    },
    async doNotReplicate(contextId) {
      if (await state.isPaused(contextId)) return true
      return (await inner.doNotReplicate?.(contextId)) ?? false
    },
  }
}
