import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { DatabaseLocation, DialectRegistry, MirrorDatabasesOptions } from './dialect-entry.ts'
import { BUILT_IN_DIALECTS, dialectOf } from './dialect-registry.ts'
import { checkedTenantNaming } from './tenant-naming.ts'

export type { MirrorDatabasesOptions } from './dialect-entry.ts'

/**
 * The mirror database provider for a `--database` location, opened by the registry entry
 * that read it (the built-ins unless a registry is given). Tenant names are checked against
 * the engine's limits first; a dialect's folder loads on first use.
 */
export function openMirrorDatabases(
  location: DatabaseLocation,
  options: MirrorDatabasesOptions,
  registry: DialectRegistry = BUILT_IN_DIALECTS,
): MirrorDatabaseProvider {
  const entry = dialectOf(location, registry)
  if (!entry) throw new Error(`no dialect in the registry opens '${location.kind}' locations`)
  const rules = entry.tenantNames
  const checked = rules
    ? { ...options, naming: checkedTenantNaming(options.naming, rules, options.longestContextId) }
    : options
  return entry.open(location, checked)
}
