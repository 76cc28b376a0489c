import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { ChangeSource, SourceSnapshot } from '../../../../application/task/ports/change-source.port.ts'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import type { SourceOptions } from '../source-options.ts'
import { type everyPrimaryKey, foldCase, primaryKey, userTables } from './sqlite-catalog.ts'
import { type SchemaReading, schemaCache } from './sqlite-schema-cache.ts'
import { SqliteSnapshot } from './sqlite-snapshot.ts'
import { cached } from './sqlite-statements.ts'
import { BOOKKEEPING, LEGACY_TRIGGERS, quoteId, trackingTriggers, triggerNames } from './sqlite-tracking-sql.ts'

/** The key columns and tracking triggers of every table, as of the schema's `schemaVersion`. */
type Catalog = { schemaVersion: number; keys: ReturnType<typeof everyPrimaryKey>; triggers: Set<string> }

/** Each source file's schema version last found free of earlier releases' triggers. */
const legacyChecked = new Map<string, number>()

function rememberChecked(file: string, schemaVersion: number): void {
  legacyChecked.delete(file)
  legacyChecked.set(file, schemaVersion)
  // As many files as the schema cache keeps; the least recently checked goes first.
  if (legacyChecked.size > 256) legacyChecked.delete(legacyChecked.keys().next().value!)
}

/** How long a writer of the tenant's application may hold the lock before a tracking step gives up. */
const BUSY_TIMEOUT_MS = 5000

function connect(file: string): Database.Database {
  const db = new Database(file, { fileMustExist: true })
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  // Integers come back as BigInt, so that bigint columns keep every digit.
  db.defaultSafeIntegers(true)
  return db
}

/**
 * A tenant's SQLite database as a change-tracking source: SQL Server change tracking rebuilt
 * with triggers (docs/sources.md). Tracking steps run on one connection; a snapshot borrows
 * it while it is free and otherwise reads on a connection of its own (tracking steps meanwhile
 * on a second one), because better-sqlite3 cannot interleave statements with an open stream.
 * better-sqlite3 is synchronous: a tracking step waiting for the tenant's writer holds the
 * event loop for up to the busy timeout.
 */
export class SqliteChangeSource implements ChangeSource {
  readonly #file: string
  readonly #options: SourceOptions
  /** The tracking steps' connection; a snapshot borrows it while it is free. */
  #main: Database.Database | undefined
  /** Whether a snapshot is reading on `#main`. */
  #lent = false
  /** Where tracking steps run while a snapshot has `#main`. */
  #side: Database.Database | undefined
  readonly #idleReaders: Database.Database[] = []
  /**
   * The key columns and tracking triggers of every table, read at once and kept while the
   * schema is unchanged (its schema_version): checking a cycle's 400 tables is a lookup each.
   */
  #catalog: Catalog | undefined
  #installed = false
  #closed = false

  private constructor(file: string, options: SourceOptions) {
    this.#file = file
    this.#options = options
    this.#main = connect(file)
  }

  /** The connection for a tracking step: the main one, or a second while a snapshot reads on it. */
  get #db(): Database.Database {
    if (this.#lent) {
      this.#side ??= connect(this.#file)
      return this.#side
    }
    this.#main ??= connect(this.#file)
    return this.#main
  }

  static open(file: string, options: SourceOptions): SqliteChangeSource {
    // A mistyped path must not quietly become a new, empty source.
    if (!existsSync(file)) throw new Error(`sqlite source ${file} does not exist`)
    return new SqliteChangeSource(file, options)
  }

  async enableTracking(): Promise<void> {
    // WAL lets snapshot reads run beside the application's writers instead of blocking them.
    this.#db.pragma('journal_mode = WAL')
    this.#install()
    this.cleanup(this.#options.clock())
  }

  /**
   * Retention, as SQL Server's cleanup task: forgets changes recorded before `now - retention`
   * and raises each affected table's minimum valid version to the newest version forgotten, so
   * that a mirror older than that reloads in full. Cheap; runs from enableTracking.
   */
  cleanup(now: number): { forgotten: number } {
    const cutoff = now - this.#options.retentionMs
    const run = this.#db.transaction(() => {
      cached(
        this.#db,
        `update "_tm_ct_tables" set min_valid_version = max(min_valid_version, old.version)
           from (select table_name, max(version) as version from "_tm_ct_changes" where changed_at < ? group by table_name) as old
           where "_tm_ct_tables".table_name = old.table_name`,
      ).run(cutoff)
      return cached(
        this.#db,
        `delete from "_tm_ct_changes" where version <= coalesce(
             (select t.min_valid_version from "_tm_ct_tables" t where t.table_name = "_tm_ct_changes".table_name),
             9223372036854775807)`,
      ).run().changes
    })
    return { forgotten: run.immediate() }
  }

  async readSchema(): Promise<readonly WireTableSchema[]> {
    // The same read primes the tracking check of the cycle's tables that follows.
    const schemaVersion = this.#schemaVersion()
    const reading = schemaCache.read(this.#file, this.#db, schemaVersion)
    if (this.#catalog?.schemaVersion !== schemaVersion) this.#readCatalog(schemaVersion, reading)
    return reading.tables
  }

  async keylessTables(): Promise<readonly string[]> {
    return userTables(this.#db).filter((name) => primaryKey(this.#db, name).columns.length === 0)
  }

  async trackTable(table: string): Promise<{ readonly justEnabled: boolean }> {
    this.#install()
    // Already tracked with the same key and its three triggers: nothing to write, no write lock.
    if (this.#tracked(table)) return { justEnabled: false }
    const track = this.#db.transaction(() => {
      // Under the write lock nobody else changes the schema: a catalog current now stays so,
      // with this table's new triggers added below, instead of being read again for each table.
      const versionBefore = this.#schemaVersion()
      const catalog = this.#catalog?.schemaVersion === versionBefore ? this.#catalog : undefined
      const key = primaryKey(this.#db, table)
      if (key.columns.length === 0) throw new Error(`source table ${table} does not exist or has no primary key`)
      const keyText = JSON.stringify(key.columns)
      const tracked = this.#db.prepare(`select key_columns from "_tm_ct_tables" where table_name = ?`).get(key.table) as
        | { key_columns: string }
        | undefined
      // A table dropped and created again lost its triggers; a changed key needs new ones.
      if (tracked?.key_columns === keyText && this.#triggerCount(key.table) === 3) return false
      this.#forget(key.table)
      for (const trigger of trackingTriggers(key.table, key.columns)) this.#db.exec(trigger)
      this.#db
        .prepare(
          `insert into "_tm_ct_tables" (table_name, key_columns, enabled_version, min_valid_version, enabled_at)
           select ?, ?, version, version, ? from "_tm_ct_version"`,
        )
        .run(key.table, keyText, this.#options.clock())
      const schemaVersion = this.#schemaVersion()
      // Triggers change no table: the kept reading of the schema stays good.
      schemaCache.restamp(this.#file, versionBefore, schemaVersion)
      return { catalog, key, schemaVersion }
    })
    const enabled = track.immediate()
    if (!enabled) return { justEnabled: false }
    const { catalog, key, schemaVersion } = enabled
    if (catalog && this.#catalog === catalog) {
      for (const trigger of triggerNames(key.table)) catalog.triggers.add(trigger)
      catalog.keys.set(foldCase(key.table), key)
      catalog.schemaVersion = schemaVersion
    }
    return { justEnabled: true }
  }

  async tablesToTrack(tables: readonly string[]): Promise<readonly string[]> {
    this.#install()
    const schemaVersion = this.#schemaVersion()
    const catalog = this.#catalog?.schemaVersion === schemaVersion ? this.#catalog : this.#readCatalog(schemaVersion)
    const rows = cached(this.#db, `select table_name, key_columns from "_tm_ct_tables"`).all() as {
      table_name: string
      key_columns: string
    }[]
    const keyColumns = new Map(rows.map((r) => [foldCase(r.table_name), r.key_columns]))
    return tables.filter((table) => !this.#trackedIn(catalog, table, keyColumns.get(foldCase(table))))
  }

  async untrackTable(table: string): Promise<void> {
    this.#install()
    this.#db.transaction(() => this.#forget(primaryKey(this.#db, table).table)).immediate()
  }

  async snapshot<T>(work: (snapshot: SourceSnapshot) => Promise<T>): Promise<T> {
    // Opening a connection parses the whole schema (with 1,200 tracking triggers, about 25 ms,
    // and as long again to close): a snapshot reads on the main connection when it is free.
    const main = this.#lent ? undefined : this.#db
    const reader = main && !main.inTransaction ? main : (this.#idleReaders.pop() ?? connect(this.#file))
    if (reader === main) this.#lent = true
    let clean = false
    try {
      cached(reader, 'begin').run()
      // The first read fixes the WAL snapshot: the version and every row read after it agree.
      const current = this.#version(reader)
      const result = await work(new SqliteSnapshot(reader, current))
      clean = true
      return result
    } finally {
      this.#release(reader, clean)
    }
  }

  #release(reader: Database.Database, clean: boolean): void {
    const lent = this.#lent && reader === this.#main
    if (lent) this.#lent = false
    try {
      if (reader.inTransaction) cached(reader, clean ? 'commit' : 'rollback').run()
    } catch (error) {
      // A stream left open keeps the connection busy: it is dropped rather than reused (the
      // main one too: tracking steps get a fresh one).
      if (lent) this.#main = undefined
      reader.close()
      if (clean) throw error
      return
    }
    if (this.#closed) reader.close()
    else if (!lent) this.#idleReaders.push(reader)
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const reader of this.#idleReaders.splice(0)) reader.close()
    this.#side?.close()
    this.#side = undefined
    // A snapshot still reading on the main connection closes it when it ends.
    if (!this.#lent) this.#main?.close()
  }

  #install(): void {
    if (this.#installed) return
    this.#db.exec(BOOKKEEPING)
    this.#rewriteLegacyTriggers()
    this.#installed = true
  }

  /**
   * Triggers of an earlier release, each with the bookkeeping inline, become the short ones that
   * go through `_tm_ct_change`: the same names, the same changes recorded, nothing forgotten.
   * Only the triggers found are rewritten: one dropped behind our back stays missing, and the
   * table's next trackTable sees it.
   */
  #rewriteLegacyTriggers(): void {
    // The search reads every trigger's text (about 1 ms for 1,240): once per file and schema
    // version, as only a schema change can bring such triggers back. Missing one costs nothing
    // but speed: the triggers of earlier releases record the same changes.
    const schemaVersion = this.#schemaVersion()
    if (legacyChecked.get(this.#file) === schemaVersion) return
    if (cached(this.#db, LEGACY_TRIGGERS).all().length === 0) {
      rememberChecked(this.#file, schemaVersion)
      return
    }
    this.#db
      .transaction(() => {
        for (const { table, name } of this.#db.prepare(LEGACY_TRIGGERS).all() as { table: string; name: string }[]) {
          const tracked = this.#db.prepare(`select key_columns from "_tm_ct_tables" where table_name = ?`).get(table) as
            | { key_columns: string }
            | undefined
          this.#db.exec(`drop trigger ${quoteId(name)}`)
          if (!tracked) continue
          const triggers = trackingTriggers(table, JSON.parse(tracked.key_columns) as string[])
          const rewritten = triggers[triggerNames(table).indexOf(name)]
          if (rewritten) this.#db.exec(rewritten)
        }
      })
      .immediate()
  }

  /** The check of trackTable's transaction, read without one: true means nothing to do. */
  #tracked(table: string): boolean {
    // The version first: a schema change after it makes the next check read the catalog again.
    const schemaVersion = this.#schemaVersion()
    const catalog = this.#catalog?.schemaVersion === schemaVersion ? this.#catalog : this.#readCatalog(schemaVersion)
    const key = catalog.keys.get(foldCase(table))
    if (!key) return false
    const tracked = cached(this.#db, `select key_columns from "_tm_ct_tables" where table_name = ?`).get(key.table) as
      | { key_columns: string }
      | undefined
    return this.#trackedIn(catalog, table, tracked?.key_columns)
  }

  /** Whether `table` has, by `catalog`, the key `keyColumns` was recorded with and its three triggers. */
  #trackedIn(catalog: Catalog, table: string, keyColumns: string | undefined): boolean {
    const key = catalog.keys.get(foldCase(table))
    if (!key || keyColumns !== JSON.stringify(key.columns)) return false
    const triggers = catalog.triggers
    return triggerNames(key.table).every((n) => triggers.has(n))
  }

  /** `schemaVersion` read before the schema: a change in between only makes the next check read again. */
  #readCatalog(schemaVersion: number, reading: SchemaReading = schemaCache.read(this.#file, this.#db, schemaVersion)) {
    const triggers = cached(this.#db, `select name from sqlite_master where type = 'trigger'`).pluck().all()
    this.#catalog = { schemaVersion, keys: new Map(reading.keys), triggers: new Set(triggers as string[]) }
    return this.#catalog
  }

  #schemaVersion(): number {
    return Number(cached(this.#db, 'pragma schema_version').pluck().get())
  }

  #version(db: Database.Database): number {
    try {
      const row = cached(db, `select version from "_tm_ct_version" where id = 1`).get() as { version: bigint }
      return Number(row.version)
    } catch (error) {
      if (/no such table/.test(String(error))) throw new Error('change tracking is not enabled on this sqlite source')
      throw error
    }
  }

  #triggerCount(table: string): number {
    const names = triggerNames(table)
    const row = this.#db
      .prepare(`select count(*) as n from sqlite_master where type = 'trigger' and name in (?, ?, ?)`)
      .get(...names) as { n: bigint }
    return Number(row.n)
  }

  #forget(table: string): void {
    for (const trigger of triggerNames(table)) this.#db.exec(`drop trigger if exists ${quoteId(trigger)}`)
    this.#db.prepare(`delete from "_tm_ct_changes" where table_name = ?`).run(table)
    this.#db.prepare(`delete from "_tm_ct_tables" where table_name = ?`).run(table)
  }
}
