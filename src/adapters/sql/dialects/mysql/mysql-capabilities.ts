import type { DialectCapabilities } from '../../sql-dialect.ts'

/** Apart from the dialect so that the registry knows its limits before loading the driver. */
export const MYSQL_CAPABILITIES: DialectCapabilities = {
  transactionalDdl: false,
  maxBindParameters: 65535,
  maxIdentifierLength: 64,
  identifierUnit: 'characters',
  lockScope: 'session',
  bulkText: true,
  bulkThreshold: 100,
}
