import type { ContextId } from '../../domain/handshake/context-id.ts'

export const DEFAULT_DATABASE_TEMPLATE = 'Mirror_{contextId}'

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

export function checkedDatabaseName(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    throw new Error(`mirror database name '${name.slice(0, 80)}' is not a plain name (letters, digits, _ . -)`)
  }
  return name
}
