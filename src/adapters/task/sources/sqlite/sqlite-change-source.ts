import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { ChangeSource, SourceSnapshot } from '../../../../application/task/ports/change-source.port.ts'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import type { SourceOptions } from '../source-options.ts'
import { primaryKey, readTable, userTables } from './sqlite-catalog.ts'
import { SqliteSnapshot } from './sqlite-snapshot.ts'
import { BOOKKEEPING, quoteId, trackingTriggers, triggerNames } from './sqlite-tracking-sql.ts'

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
 * with triggers (docs/sources.md). Tracking steps run on one connection; every snapshot reads
 * on a connection of its own, because better-sqlite3 cannot interleave statements with an
 * open stream. better-sqlite3 is synchronous: a tracking step waiting for the tenant's writer
 * holds the event loop for up to the busy timeout.
 */
export class SqliteChangeSource implements ChangeSource {
  readonly #file: string
  readonly #options: SourceOptions
  readonly #db: Database.Database
  readonly #idleReaders: Database.Database[] = []
  #installed = false
  #closed = false

  private constructor(file: string, options: SourceOptions) {
    this.#file = file
    this.#options = options
    this.#db = connect(file)
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
      this.#db
        .prepare(
          `update "_tm_ct_tables" set min_valid_version = max(min_valid_version, old.version)
           from (select table_name, max(version) as version from "_tm_ct_changes" where changed_at < ? group by table_name) as old
           where "_tm_ct_tables".table_name = old.table_name`,
        )
        .run(cutoff)
      return this.#db
        .prepare(
          `delete from "_tm_ct_changes" where version <= coalesce(
             (select t.min_valid_version from "_tm_ct_tables" t where t.table_name = "_tm_ct_changes".table_name),
             9223372036854775807)`,
        )
        .run().changes
    })
    return { forgotten: run.immediate() }
  }

  async readSchema(): Promise<readonly WireTableSchema[]> {
    const tables: WireTableSchema[] = []
    for (const name of userTables(this.#db)) {
      const table = readTable(this.#db, name)
      if (table) tables.push(table)
    }
    return tables
  }

  async keylessTables(): Promise<readonly string[]> {
    return userTables(this.#db).filter((name) => primaryKey(this.#db, name).columns.length === 0)
  }

  async trackTable(table: string): Promise<{ readonly justEnabled: boolean }> {
    this.#install()
    const track = this.#db.transaction(() => {
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
      return true
    })
    return { justEnabled: track.immediate() }
  }

  async untrackTable(table: string): Promise<void> {
    this.#install()
    this.#db.transaction(() => this.#forget(primaryKey(this.#db, table).table)).immediate()
  }

  async snapshot<T>(work: (snapshot: SourceSnapshot) => Promise<T>): Promise<T> {
    const reader = this.#idleReaders.pop() ?? connect(this.#file)
    let clean = false
    try {
      reader.exec('begin')
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
    try {
      if (reader.inTransaction) reader.exec(clean ? 'commit' : 'rollback')
    } catch (error) {
      // A stream left open keeps the connection busy: it is dropped rather than reused.
      reader.close()
      if (clean) throw error
      return
    }
    if (this.#closed) reader.close()
    else this.#idleReaders.push(reader)
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const reader of this.#idleReaders.splice(0)) reader.close()
    this.#db.close()
  }

  #install(): void {
    if (this.#installed) return
    this.#db.exec(BOOKKEEPING)
    this.#installed = true
  }

  #version(db: Database.Database): number {
    try {
      const row = db.prepare(`select version from "_tm_ct_version" where id = 1`).get() as { version: bigint }
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
