import type { DatabaseLocation, DialectRegistry, TenantLayout } from './dialect-entry.ts'
import { BUILT_IN_DIALECTS, dialectForValue, dialectOf } from './dialect-registry.ts'

export type { DatabaseLocation, TenantLayout } from './dialect-entry.ts'

/**
 * Where mirror databases live, from `--database`, read by the registry entry of its scheme:
 * `sqlite:<dir>`, `memory:`, or a server URL (`postgres://`, `mysql://`, `mssql://`). A server
 * URL names the server and an admin database from which tenant databases are created;
 * PostgreSQL may instead hold one schema per tenant in the URL's database (`--tenant-layout schema`).
 */
export function parseDatabaseLocation(
  value: string,
  layout: TenantLayout = 'database',
  registry: DialectRegistry = BUILT_IN_DIALECTS,
): DatabaseLocation | undefined {
  return dialectForValue(value, registry)?.parse(value, layout)
}

/** The location without credentials, for logs and messages; only the kind where no entry knows it. */
export function describeLocation(location: DatabaseLocation, registry: DialectRegistry = BUILT_IN_DIALECTS): string {
  return dialectOf(location, registry)?.describe(location) ?? `${location.kind}:`
}

/** What `--database` takes, for the error that refuses anything else: `sqlite:<dir>, memory: … or mssql://…`. */
export function acceptedForms(registry: DialectRegistry = BUILT_IN_DIALECTS): string {
  return listed([...new Set(registry.map((entry) => entry.form))])
}

/** Why a location cannot take a tenant layout (only some dialects have any but a database per tenant). */
export function layoutProblem(
  location: DatabaseLocation,
  layout: TenantLayout,
  registry: DialectRegistry = BUILT_IN_DIALECTS,
): string | undefined {
  if (layout === 'database' || dialectOf(location, registry)?.layouts?.includes(layout)) return undefined
  const able = registry.filter((entry) => entry.layouts?.includes(layout)).map((entry) => entry.form.replace(/…$/, ''))
  return `--tenant-layout ${layout} needs a ${listed([...new Set(able)])} database`
}

/** `a, b or c`. */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}
