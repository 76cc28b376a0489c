import type { DialectCapabilities } from '../../sql-dialect.ts'

/** Apart from the dialect so that the registry knows its limits before loading the driver. */
export const SQLITE_CAPABILITIES: DialectCapabilities = {
  transactionalDdl: true,
  maxBindParameters: 32766,
  maxIdentifierLength: 1024,
  identifierUnit: 'characters',
  // One writer per file: the service process; the in-process KeyedMutex is enough.
  lockScope: 'none',
  bulkText: false,
  bulkThreshold: 64,
}
