import type Database from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { MarkerJobs } from '../../marker-jobs.ts'

/**
 * The bulk path of SQLite: rows bound to one prepared multi-row upsert, kept across batches.
 * Kysely would compile and prepare a fresh statement of up to a thousand rows per chunk, which
 * costs more than the inserts themselves. The statement runs on the connection Kysely hands the
 * transaction, through a marker statement that the wrapped database recognises, so it is inside
 * the caller's transaction like everything else.
 */
export const BULK_MARKER = '/*tenant-mirror:bulk*/'

export interface BulkJob {
  /** The upsert for `rows` rows: `insert … values (?, …), … on conflict …`. */
  readonly statementFor: (rows: number) => string
  readonly rowsPerStatement: number
  readonly width: number
  readonly rows: Iterable<readonly unknown[]>
}

export const bulkJobs = new MarkerJobs<BulkJob>()

/** How many prepared bulk statements a database keeps; one per table shape in use. */
const CACHED_STATEMENTS = 64

/** The database Kysely is given: prepares as usual, runs marker statements as bulk jobs. */
export function bulkCapable(database: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>()
  const prepared = (text: string) => {
    let statement = cache.get(text)
    if (!statement) {
      if (cache.size >= CACHED_STATEMENTS) cache.clear()
      statement = database.prepare(text)
      cache.set(text, statement)
    }
    return statement
  }
  return {
    close: () => database.close(),
    prepare(text: string): SqliteStatement {
      if (!text.startsWith(BULK_MARKER)) return database.prepare(text) as unknown as SqliteStatement
      return {
        reader: false,
        all: () => [],
        iterate: () => [][Symbol.iterator](),
        run(parameters: readonly unknown[]) {
          return { changes: runBulk(String(parameters[0]), prepared), lastInsertRowid: undefined }
        },
      } as unknown as SqliteStatement
    },
  }
}

function runBulk(id: string, prepared: (text: string) => Database.Statement): number {
  const job = bulkJobs.take(id)
  if (!job) throw new Error('bulk job is unknown')
  const { rowsPerStatement: k, width } = job
  const many = prepared(job.statementFor(k))
  const parameters: unknown[] = new Array(k * width)
  let filled = 0
  let changes = 0
  for (const row of job.rows) {
    for (let c = 0; c < width; c++) parameters[filled++] = row[c]
    if (filled === parameters.length) {
      changes += many.run(parameters).changes
      filled = 0
    }
  }
  // The last few rows one by one: a statement per remainder size would crowd the cache.
  if (filled > 0) {
    const one = prepared(job.statementFor(1))
    for (let start = 0; start < filled; start += width) {
      changes += one.run(parameters.slice(start, start + width)).changes
    }
  }
  return changes
}
