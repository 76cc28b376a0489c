import type { DatabaseLocation, DialectEntry, DialectRegistry } from './dialect-entry.ts'
import { memoryEntry } from './dialects/memory/memory-entry.ts'
import { mssqlEntry } from './dialects/mssql/mssql-entry.ts'
import { mysqlEntry } from './dialects/mysql/mysql-entry.ts'
import { postgresEntry } from './dialects/postgres/postgres-entry.ts'
import { sqliteEntry } from './dialects/sqlite/sqlite-entry.ts'

/**
 * The dialects a service knows without being told: a dialect is its folder under dialects/
 * and its line here. An integrator passes `[...BUILT_IN_DIALECTS, theirs]` where a registry
 * is taken (parseDatabaseLocation, openMirrorDatabases); an entry listed later takes a scheme
 * or a name from one listed before, so that a built-in can be replaced too.
 */
export const BUILT_IN_DIALECTS: DialectRegistry = [sqliteEntry, memoryEntry, postgresEntry, mysqlEntry, mssqlEntry]

/** The entry whose scheme a `--database` value has; a bare scheme name (`memory`) counts as its scheme. */
export function dialectForValue(value: string, registry: DialectRegistry): DialectEntry | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*)(?::|$)/i.exec(value)?.[1]?.toLowerCase()
  return scheme === undefined ? undefined : registry.findLast((entry) => entry.schemes.includes(`${scheme}:`))
}

/** The entry that read a location, and opens it. */
export function dialectOf(location: DatabaseLocation, registry: DialectRegistry): DialectEntry | undefined {
  return registry.findLast((entry) => entry.name === location.kind)
}
