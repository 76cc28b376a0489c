import type { MirrorAdmin } from '../../application/ports/mirror-admin.port.ts'
import { delegate } from '../system/logging-mirror-admin.ts'
import type { ServiceActivity } from './service-activity.ts'

/** The integrator's hooks, plus the dashboard's: schema-change history and the pause switch. */
export function activityMirrorAdmin(activity: ServiceActivity, inner: MirrorAdmin): MirrorAdmin {
  return {
    ...delegate(inner),
    async onBeforeReplicateTable(event) {
      activity.tableChanged(event.contextId, event.table, event.change)
      await inner.onBeforeReplicateTable?.(event)
    },
    async doNotReplicate(contextId) {
      if (activity.isPaused(contextId)) return true
      return (await inner.doNotReplicate?.(contextId)) ?? false
    },
  }
}
