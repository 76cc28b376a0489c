import type { ApplyRowData } from '../../application/apply-row-data.ts'
import type { Authenticate } from '../../application/authenticate.ts'
import type { CompleteReplication } from '../../application/complete-replication.ts'
import type { ScreenCall } from '../../application/screen-call.ts'
import type { SyncTableSchemas } from '../../application/sync-table-schemas.ts'
import type { WipeTable } from '../../application/wipe-table.ts'

/** The five operations the SOAP endpoint dispatches to, and the token check run before any of them. */
export interface MirroringUseCases {
  readonly screenCall: ScreenCall
  readonly authenticate: Authenticate
  readonly syncTableSchemas: SyncTableSchemas
  readonly applyRowData: ApplyRowData
  readonly wipeTable: WipeTable
  readonly completeReplication: CompleteReplication
}
