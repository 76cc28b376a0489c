import type { DialectCapabilities } from '../../sql-dialect.ts'

/** Apart from the dialect so that the registry knows its limits before loading the driver. */
export const MSSQL_CAPABILITIES: DialectCapabilities = {
  transactionalDdl: true,
  maxBindParameters: 2100,
  maxIdentifierLength: 128,
  identifierUnit: 'characters',
  lockScope: 'transaction',
  bulkText: false,
  bulkThreshold: 1000,
}
