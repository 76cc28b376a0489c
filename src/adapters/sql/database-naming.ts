import type { ContextId } from '../../domain/handshake/context-id.ts'

export const DEFAULT_DATABASE_TEMPLATE = 'Mirror_{contextId}'
/** Names are plain ASCII, at most SQL Server's sysname: what every engine and file system takes. */
export const LONGEST_DATABASE_NAME = 128

/**
 * Tenant → mirror database name from a template (wire-profile §6). `{contextId}` and the
 * reference package's `[@contextId]` are both placeholders. The result names a database or a
 * file, so it is checked again even though context ids are already strict.
 */
export function databaseNaming(template: string): (contextId: ContextId) => string {
  if (!template.includes('{contextId}') && !template.includes('[@contextId]')) {
    throw new Error(`database name template '${template}' has no {contextId} placeholder`)
  }
  return (contextId) =>
    checkedDatabaseName(template.replaceAll('{contextId}', contextId).replaceAll('[@contextId]', contextId))
}

export function isPlainName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && name.length <= LONGEST_DATABASE_NAME
}

export function checkedDatabaseName(name: string): string {
  if (!isPlainName(name)) {
    throw new Error(
      `mirror database name '${name.slice(0, 80)}' is not a plain name (letters, digits, _ . -, at most ${LONGEST_DATABASE_NAME} characters)`,
    )
  }
  return name
}
