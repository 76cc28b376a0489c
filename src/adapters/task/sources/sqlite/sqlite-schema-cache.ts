import type Database from 'better-sqlite3'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import { everyPrimaryKey, everyTableColumns, readTables } from './sqlite-catalog.ts'
import { cached } from './sqlite-statements.ts'

/** What the catalog says of a source file's schema, read once per schema. */
export interface SchemaReading {
  /** `readSchema`'s answer; frozen, so that the same objects can be handed to every cycle. */
  readonly tables: readonly WireTableSchema[]
  /** `everyPrimaryKey(columns)`; copy before changing. */
  readonly keys: ReadonlyMap<string, { table: string; columns: string[] }>
}

interface Entry extends SchemaReading {
  readonly schemaVersion: number
  /** Undefined after `restamp`: the next read fills it in. */
  readonly stamp: string | undefined
}

/** Source files whose reading is kept; the least recently read goes first. */
const LIMIT = 256

/**
 * Each source file's schema as last read, kept across cycles (a cycle opens its source afresh):
 * reading the 413-table demo schema's columns and turning them into wire tables took about 12 ms
 * of the task's 44 in a cycle with nothing to send. The reading is reused while the file's
 * `schema_version` (which SQLite raises on every schema change), the number of its schema
 * objects and the total length of their SQL are what they were: another file put in its place
 * would have to match all three.
 */
export class SqliteSchemaCache {
  readonly #entries = new Map<string, Entry>()

  read(file: string, db: Database.Database, schemaVersion: number): SchemaReading {
    const stamp = this.stamp(db, schemaVersion)
    const kept = this.#entries.get(file)
    this.#entries.delete(file)
    if (kept && (kept.stamp === stamp || (kept.stamp === undefined && kept.schemaVersion === schemaVersion))) {
      const current = { ...kept, stamp }
      this.#entries.set(file, current)
      return current
    }
    const columns = everyTableColumns(db)
    const tables = deepFreeze(readTables(columns))
    const entry: Entry = { schemaVersion, stamp, tables, keys: everyPrimaryKey(columns) }
    this.#entries.set(file, entry)
    if (this.#entries.size > LIMIT) this.#entries.delete(this.#entries.keys().next().value!)
    return entry
  }

  /** What identifies the schema of the file `db` is open on, `schemaVersion` read before. */
  stamp(db: Database.Database, schemaVersion: number): string {
    const row = cached(db, `select count(*) as n, total(length(sql)) as length from sqlite_master`).get() as {
      n: bigint | number
      length: number
    }
    return `${schemaVersion}:${row.n}:${row.length}`
  }

  /**
   * The file's schema went from version `before` to `after` by a change that leaves every table
   * as it was (tracking triggers created or dropped, under the write lock): a reading of `before`
   * is still right, now for `after`. Only the version is compared here, which costs nothing; the
   * next read stamps the reading whole again.
   */
  restamp(file: string, before: number, after: number): void {
    const kept = this.#entries.get(file)
    if (kept?.schemaVersion === before) this.#entries.set(file, { ...kept, schemaVersion: after, stamp: undefined })
  }
}

function deepFreeze(tables: WireTableSchema[]): readonly WireTableSchema[] {
  for (const table of tables) {
    for (const column of table.columns) Object.freeze(column)
    Object.freeze(table.columns)
    Object.freeze(table)
  }
  return Object.freeze(tables)
}

/** One per process: every cycle of every tenant whose source is this file reads through it. */
export const schemaCache = new SqliteSchemaCache()
