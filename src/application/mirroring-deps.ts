import type { StaleBatchPolicy } from '../domain/changes/lsn.ts'
import type { SchemaOptions } from '../domain/schema/table-schema.ts'
import type { AuthorizeCall } from './authorize-call.ts'
import type { KeyedMutex } from './keyed-mutex.ts'
import type { MirrorAdmin } from './ports/mirror-admin.port.ts'
import type { MirrorDatabaseProvider } from './ports/mirror-database.port.ts'
import type { SchemaHasher } from './ports/schema-hasher.port.ts'

/** What the operations that touch a mirror share; built once by the composition root. */
export interface MirroringDeps {
  readonly authorize: AuthorizeCall
  readonly mirrors: MirrorDatabaseProvider
  readonly hasher: SchemaHasher
  readonly admin: MirrorAdmin
  /** Serialises calls per (tenant, table) within this process. */
  readonly locks: KeyedMutex
  readonly schema: SchemaOptions
  /** What RowData does with a batch older than the table's stored LSN; `skip` unless set. */
  readonly staleBatches?: StaleBatchPolicy
  /** A monotonic clock in milliseconds: RowData reports the time it spent decoding and writing by it; none, no times. */
  readonly stopwatch?: () => number
}
