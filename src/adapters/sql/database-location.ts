/**
 * Where mirror databases live, from `--database`: `sqlite:<dir>`, `memory:`, or a server URL
 * (`postgres://`, `mysql://`, `mssql://`). A server URL names the server and an admin database
 * from which tenant databases are created; PostgreSQL may instead hold one schema per tenant
 * in the URL's database (`--tenant-layout schema`).
 */
export type DatabaseLocation =
  | { readonly kind: 'sqlite'; readonly dir: string }
  | { readonly kind: 'memory' }
  | { readonly kind: 'postgres'; readonly url: string; readonly layout: TenantLayout }
  | { readonly kind: 'mysql'; readonly url: string }
  | { readonly kind: 'mssql'; readonly url: string }

export type TenantLayout = 'database' | 'schema'

const SERVER_SCHEMES: Readonly<Record<string, 'postgres' | 'mysql' | 'mssql'>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'mssql:': 'mssql',
  'sqlserver:': 'mssql',
}

export function parseDatabaseLocation(value: string, layout: TenantLayout = 'database'): DatabaseLocation | undefined {
  if (value === 'memory:' || value === 'memory') return { kind: 'memory' }
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(value)
  if (sqlite) return { kind: 'sqlite', dir: sqlite[1]! }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  const kind = SERVER_SCHEMES[url.protocol]
  if (!kind || url.hostname === '') return undefined
  return kind === 'postgres' ? { kind, url: value, layout } : { kind, url: value }
}

/** The location without credentials, for logs and messages. */
export function describeLocation(location: DatabaseLocation): string {
  if (location.kind === 'memory') return 'memory:'
  if (location.kind === 'sqlite') return `sqlite:${location.dir}`
  const url = new URL(location.url)
  return `${url.protocol}//${url.host}${url.pathname}`
}
