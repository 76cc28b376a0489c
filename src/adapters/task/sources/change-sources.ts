import type { ChangeSource, ChangeSourceFactory } from '../../../application/task/ports/change-source.port.ts'
import { DEFAULT_RETENTION_MS, type SourceOptions } from './source-options.ts'
import { SqliteChangeSource } from './sqlite/sqlite-change-source.ts'

export { DEFAULT_RETENTION_MS, type SourceOptions } from './source-options.ts'

const DEFAULT_OPTIONS: SourceOptions = { retentionMs: DEFAULT_RETENTION_MS, clock: Date.now }

export type SourceOpener = (url: string, options: SourceOptions) => Promise<ChangeSource>

// Loaded on first use, so that a process never holds a driver it does not need.
const openPostgres: SourceOpener = async (url, options) =>
  (await import('./postgres/postgres-change-source.ts')).openPostgresSource(url, options)
const openMssql: SourceOpener = async (url) =>
  (await import('./mssql/mssql-change-source.ts')).openMssqlChangeSource(url)

/** One opener per URL scheme. */
export const SOURCE_OPENERS: Readonly<Record<string, SourceOpener>> = {
  'sqlite:': async (url, options) => SqliteChangeSource.open(sqliteFile(url), options),
  'postgres:': openPostgres,
  'postgresql:': openPostgres,
  'mssql:': openMssql,
  'sqlserver:': openMssql,
}

/**
 * Opens tenants' source databases from the registry's source URL: `sqlite:<file>`,
 * `postgres://…[?schema=<schema>]` (default schema `public`) or `mssql://…` (SQL Server's own
 * change tracking).
 */
export class ChangeSources implements ChangeSourceFactory {
  readonly #options: SourceOptions
  readonly #openers: Readonly<Record<string, SourceOpener>>

  constructor(options: Partial<SourceOptions> = {}, openers: Readonly<Record<string, SourceOpener>> = SOURCE_OPENERS) {
    this.#options = { ...DEFAULT_OPTIONS, ...options }
    this.#openers = openers
  }

  async open(sourceUrl: string): Promise<ChangeSource> {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(sourceUrl)?.[0].toLowerCase()
    const opener = scheme === undefined ? undefined : this.#openers[scheme]
    // Only the scheme is quoted: the rest of a URL may hold a password.
    if (!opener) throw new Error(`unsupported source URL scheme '${scheme ?? ''}'`)
    return opener(sourceUrl, this.#options)
  }
}

function sqliteFile(url: string): string {
  const file = /^sqlite:(?:\/\/)?(.+)$/i.exec(url)?.[1]
  if (!file) throw new Error('a sqlite source URL is sqlite:<file>')
  return file
}
