import type { DialectParts } from '../../dialect-parts.ts'
import type { SqlDialect } from '../../sql-dialect.ts'
import { MSSQL_CAPABILITIES } from './mssql-capabilities.ts'
import { mssqlDdl } from './mssql-ddl.ts'
import { renderMssqlDefault } from './mssql-defaults.ts'
import { mssqlDml } from './mssql-dml.ts'
import { mssqlErrors } from './mssql-errors.ts'
import { mssqlLocks } from './mssql-locks.ts'
import { mssqlTypes } from './mssql-types.ts'
import { mssqlValues } from './mssql-values.ts'

const parts: DialectParts = {
  capabilities: MSSQL_CAPABILITIES,
  types: mssqlTypes,
  defaults: renderMssqlDefault,
  values: mssqlValues,
  // 2,100 parameters at most; a little room for the statement's own.
  parametersPerStatement: 2000,
}

/**
 * The SQL of SQL Server mirrors, which keep SuperOffice's own types and defaults. Every bound
 * value is cast to its column's type, upserts are MERGE … WITH (HOLDLOCK), and calls for one
 * (tenant, table) are serialised across service instances with sp_getapplock, owned by the
 * transaction. The bulk load comes with the connector (mssql-bulk.ts).
 */
export const mssqlMirrorSql: SqlDialect = {
  name: 'mssql',
  capabilities: MSSQL_CAPABILITIES,
  errors: mssqlErrors,
  ddl: mssqlDdl(parts),
  dml: mssqlDml(parts),
  locks: mssqlLocks,
}
