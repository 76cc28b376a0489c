import { MirrorStoreError } from '../../application/ports/mirror-database.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { fitsIdentifierLimit, type IdentifierLimit } from '../../domain/schema/identifier.ts'
import { metadataTableName } from '../../domain/schema/metadata-table.ts'
import type { DatabaseLocation } from './database-location.ts'
import { checkedDatabaseName } from './database-naming.ts'
import { MSSQL_CAPABILITIES } from './dialects/mssql/mssql-capabilities.ts'
import { MYSQL_CAPABILITIES } from './dialects/mysql/mysql-capabilities.ts'
import { POSTGRES_CAPABILITIES } from './dialects/postgres/postgres-capabilities.ts'
import type { DialectCapabilities } from './sql-dialect.ts'

/** Context ids are at most 64 characters (wire-profile §2), all ASCII. */
export const LONGEST_CONTEXT_ID = 64
/** SuperOffice's ids look like `Cust12345`: a template must leave room for at least this many. */
export const SHORTEST_ROOM = 20

/**
 * What an engine keeps of the names a tenant gets: its database (or schema, or file) and its
 * metadata table. A longer name is cut by PostgreSQL and refused or cut elsewhere; cut names
 * put two tenants in one database, so they are refused here, before anything is created.
 */
export interface TenantNameRules {
  /** The engine, as an operator knows it: for messages. */
  readonly engine: string
  /** The database, schema or file name (template applied). */
  readonly database: IdentifierLimit
  /** The metadata table `<contextId>_mirroring`; undefined where the engine has no limit. */
  readonly table: IdentifierLimit | undefined
}

/** The naming rules of a `--database` location; none for `memory:`, which names nothing. */
export function tenantNameRules(location: DatabaseLocation): TenantNameRules | undefined {
  const fromCapabilities = (engine: string, c: DialectCapabilities): TenantNameRules => {
    const limit = { length: c.maxIdentifierLength, unit: c.identifierUnit }
    return { engine, database: limit, table: limit }
  }
  switch (location.kind) {
    case 'memory':
      return undefined
    case 'sqlite':
      // A file name is at most 255 bytes on the file systems in use, `.sqlite` included.
      return {
        engine: 'SQLite (file names)',
        database: { length: 255 - '.sqlite'.length, unit: 'bytes' },
        table: undefined,
      }
    case 'postgres':
      return fromCapabilities('PostgreSQL', POSTGRES_CAPABILITIES)
    case 'mysql':
      return fromCapabilities('MySQL/MariaDB', MYSQL_CAPABILITIES)
    case 'mssql':
      return fromCapabilities('SQL Server', MSSQL_CAPABILITIES)
  }
}

/** The longest context id a template leaves room for under the rules (at most 64). */
export function roomForContextId(template: string, rules: TenantNameRules): number {
  const occurrences = template.split('{contextId}').length - 1 + (template.split('[@contextId]').length - 1)
  const fixed = template.replaceAll('{contextId}', '').replaceAll('[@contextId]', '')
  const fixedLength = rules.database.unit === 'bytes' ? Buffer.byteLength(fixed) : fixed.length
  const forDatabase = Math.floor((rules.database.length - fixedLength) / Math.max(1, occurrences))
  const forTable = rules.table ? rules.table.length - metadataTableName('').length : LONGEST_CONTEXT_ID
  return Math.max(0, Math.min(LONGEST_CONTEXT_ID, forDatabase, forTable))
}

/** Why a template cannot be used with these rules, or undefined when it can. */
export function templateProblem(template: string, rules: TenantNameRules, wanted?: number): string | undefined {
  const room = roomForContextId(template, rules)
  const limit = `${rules.engine} keeps names of at most ${rules.database.length} ${rules.database.unit}`
  if (wanted !== undefined && room < wanted) {
    return `--database-name '${template}' leaves room for context ids of ${room} characters, not the ${wanted} of --max-context-id-length (${limit})`
  }
  if (wanted === undefined && room < SHORTEST_ROOM) {
    return `--database-name '${template}' leaves room for context ids of only ${room} characters (${limit}); shorten it to leave at least ${SHORTEST_ROOM}`
  }
  return undefined
}

/**
 * Tenant → checked database name: ids longer than the room are refused before any name is
 * made, and every name (a custom hook's too) is checked against the engine's limit. The error
 * is a MirrorStoreError, so the call fails with its message and nothing is created.
 */
export function checkedTenantNaming(
  name: (contextId: ContextId) => string,
  rules: TenantNameRules,
  longest: number,
): (contextId: ContextId) => string {
  return (contextId) => {
    if (contextId.length > longest) {
      throw new MirrorStoreError(
        `context id ${contextId} has ${contextId.length} characters; this service's mirror names leave room for ${longest} (${rules.engine}, --database-name, --max-context-id-length)`,
        'fatal',
      )
    }
    let database: string
    try {
      database = checkedDatabaseName(name(contextId))
    } catch (error) {
      throw new MirrorStoreError(error instanceof Error ? error.message : String(error), 'fatal')
    }
    if (!fitsIdentifierLimit(database, rules.database)) {
      throw new MirrorStoreError(
        `mirror database name ${database} is longer than the ${rules.database.length} ${rules.database.unit} ${rules.engine} keeps; it is refused rather than cut`,
        'fatal',
      )
    }
    return database
  }
}
