import { serverEntry } from '../../server-entry.ts'
import { MSSQL_CAPABILITIES } from './mssql-capabilities.ts'

/** `mssql://…` (`sqlserver://…` too): a database per tenant, made from the URL's database. */
export const mssqlEntry = serverEntry({
  name: 'mssql',
  engine: 'SQL Server',
  schemes: ['mssql:', 'sqlserver:'],
  capabilities: MSSQL_CAPABILITIES,
  load: async (location, options) =>
    (await import('./mssql-mirror-databases.ts')).mssqlMirrorDatabases(location, options),
})
