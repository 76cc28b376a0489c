import { MirrorStoreError } from '../../application/ports/mirror-database.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { fitsIdentifierLimit } from '../../domain/schema/identifier.ts'
import { metadataTableName } from '../../domain/schema/metadata-table.ts'
import { checkedDatabaseName, isPlainName, LONGEST_DATABASE_NAME } from './database-naming.ts'
import type { DatabaseLocation, DialectRegistry, TenantNameRules } from './dialect-entry.ts'
import { BUILT_IN_DIALECTS, dialectOf } from './dialect-registry.ts'

export type { TenantNameRules } from './dialect-entry.ts'

/** Context ids are at most 64 characters (wire-profile §2), all ASCII. */
export const LONGEST_CONTEXT_ID = 64
/** SuperOffice's ids look like `Cust12345`: a template must leave room for at least this many. */
export const SHORTEST_ROOM = 20

/** The naming rules of a `--database` location, from its dialect; none for `memory:`, which names nothing. */
export function tenantNameRules(
  location: DatabaseLocation,
  registry: DialectRegistry = BUILT_IN_DIALECTS,
): TenantNameRules | undefined {
  return dialectOf(location, registry)?.tenantNames
}

/** The longest context id a template leaves room for under the rules (at most 64). */
export function roomForContextId(template: string, rules: TenantNameRules): number {
  return roomAndLimit(template, rules).room
}

/** Why a template cannot be used with these rules, or undefined when it can. */
export function templateProblem(template: string, rules: TenantNameRules, wanted?: number): string | undefined {
  // Other characters would get every call refused; the name's length is left to the room, below.
  const sample = template.replaceAll('{contextId}', 'x').replaceAll('[@contextId]', 'x')
  if (!isPlainName(sample.slice(0, LONGEST_DATABASE_NAME))) {
    return `--database-name '${template}' does not make plain names: letters, digits, _ . - only, not starting with . or -`
  }
  const { room, limit } = roomAndLimit(template, rules)
  if (wanted !== undefined && room < wanted) {
    return `--database-name '${template}' leaves room for context ids of ${room} characters, not the ${wanted} of --max-context-id-length (${limit})`
  }
  if (wanted === undefined && room < SHORTEST_ROOM) {
    return `--database-name '${template}' leaves room for context ids of only ${room} characters (${limit}); shorten it to leave at least ${SHORTEST_ROOM}`
  }
  return undefined
}

/**
 * The room, and the limit that sets it: the engine's, or (SQLite, whose files could take
 * longer names) the plain-name length every mirror name keeps to (checkedDatabaseName).
 */
function roomAndLimit(template: string, rules: TenantNameRules): { room: number; limit: string } {
  const occurrences = template.split('{contextId}').length - 1 + (template.split('[@contextId]').length - 1)
  const fixed = withoutPlaceholders(template)
  const fixedLength = rules.database.unit === 'bytes' ? Buffer.byteLength(fixed) : fixed.length
  const per = (room: number) => Math.floor(room / Math.max(1, occurrences))
  const forEngine = per(rules.database.length - fixedLength)
  const forPlainName = per(LONGEST_DATABASE_NAME - fixed.length)
  const forTable = rules.table ? rules.table.length - metadataTableName('').length : LONGEST_CONTEXT_ID
  return {
    room: Math.max(0, Math.min(LONGEST_CONTEXT_ID, forEngine, forPlainName, forTable)),
    limit:
      forPlainName < forEngine
        ? `${rules.engine}, where mirror database names are at most ${LONGEST_DATABASE_NAME} characters`
        : `${rules.engine} keeps names of at most ${rules.database.length} ${rules.database.unit}`,
  }
}

function withoutPlaceholders(template: string): string {
  return template.replaceAll('{contextId}', '').replaceAll('[@contextId]', '')
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
    // Checked here too, not only through the room: a caller may allow ids the room does not
    // (a hook's short names, a programmatic `longest`), and a cut metadata name is refused alike.
    const table = metadataTableName(contextId)
    if (rules.table && !fitsIdentifierLimit(table, rules.table)) {
      throw new MirrorStoreError(
        `metadata table name ${table} is longer than the ${rules.table.length} ${rules.table.unit} ${rules.engine} keeps; it is refused rather than cut`,
        'fatal',
      )
    }
    return database
  }
}
