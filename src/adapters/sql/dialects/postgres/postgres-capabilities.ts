import type { DialectCapabilities } from '../../sql-dialect.ts'

/** Apart from the dialect so that the registry knows its limits before loading the driver. */
export const POSTGRES_CAPABILITIES: DialectCapabilities = {
  transactionalDdl: true,
  maxBindParameters: 65535,
  maxIdentifierLength: 63,
  identifierUnit: 'bytes',
  lockScope: 'transaction',
  bulkText: true,
  bulkThreshold: 100,
}
