import type Database from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import type { CellValue, Row } from '../../../../domain/changes/cell-value.ts'
import type { DriverJobs } from '../../driver-jobs.ts'
import { quoteIdentifier } from '../../quoted-identifier.ts'
import type { BulkUpsert } from '../../sql-dialect.ts'
import { SQLITE_CAPABILITIES } from './sqlite-capabilities.ts'
import { toSqliteValue } from './sqlite-values.ts'

/**
 * The bulk path of SQLite: rows bound to one prepared multi-row upsert, kept across batches.
 * Kysely would compile and prepare a fresh statement of up to a thousand rows per chunk, which
 * costs more than the inserts themselves. The statement runs on the connection Kysely hands the
 * transaction, through a marker statement that the wrapped database recognises, so it is inside
 * the caller's transaction like everything else.
 */
export interface BulkJob {
  /** The upsert for `rows` rows: `insert … values (?, …), … on conflict …`. */
  readonly statementFor: (rows: number) => string
  readonly rowsPerStatement: number
  readonly width: number
  /** Rows as decoded, each value made a parameter by `toDriver` as it is bound (no array per row). */
  readonly rows: readonly Row[]
  readonly toDriver: (value: CellValue, column: number) => unknown
}

export const BULK_MARKER = '/*tenant-mirror:bulk*/'

/** One prepared multi-row upsert, reused across batches. */
export function sqliteBulkUpsert(jobs: DriverJobs<BulkJob>): BulkUpsert {
  return async (db, table, batch) => {
    const quoted = table.columns.map((c) => quoteIdentifier(c.name))
    const keys = table.key.map((i) => quoted[i]!)
    const others = quoted.filter((_, i) => !table.key.includes(i))
    const action =
      others.length === 0 ? 'do nothing' : `do update set ${others.map((c) => `${c} = excluded.${c}`).join(', ')}`
    const tuple = `(${quoted.map(() => '?').join(', ')})`
    const head = `insert into ${quoteIdentifier(table.name)} (${quoted.join(', ')}) values `
    const tail = ` on conflict (${keys.join(', ')}) ${action}`
    const types = table.columns.map((c) => c.type)
    await jobs.run(db, {
      statementFor: (n) => head + Array.from({ length: n }, () => tuple).join(', ') + tail,
      rowsPerStatement: Math.max(1, Math.min(32, Math.floor(SQLITE_CAPABILITIES.maxBindParameters / quoted.length))),
      width: quoted.length,
      rows: batch.rows(),
      toDriver: (value, column) => toSqliteValue(value, types[column]!),
    })
  }
}

/** How many prepared statements a database keeps: Kysely's, and one bulk statement per table shape in use. */
const CACHED_STATEMENTS = 128

/** The database Kysely is given: keeps what it prepares, runs marker statements as the jobs' bulk work. */
export function bulkCapable(
  database: Database.Database,
  jobs: DriverJobs<BulkJob>,
  closed?: () => void,
): SqliteDatabase {
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
    close: () => {
      try {
        database.close()
      } finally {
        closed?.()
      }
    },
    prepare(text: string): SqliteStatement {
      // Kysely prepares every statement it runs; a call's dozen (begin, its tables' state, the
      // LSN, commit) are the same text call after call, so they are kept like the bulk ones.
      // Kysely runs one statement at a time on a connection, a stream included, so a kept
      // statement is never asked for while it is still reading.
      if (!jobs.marks(text)) return prepared(text) as unknown as SqliteStatement
      return {
        reader: false,
        all: () => [],
        iterate: () => [][Symbol.iterator](),
        run(parameters: readonly unknown[]) {
          const job = jobs.take(parameters[0])
          if (!job) throw new Error('bulk job is unknown')
          return { changes: runBulk(job, prepared), lastInsertRowid: undefined }
        },
      } as unknown as SqliteStatement
    },
  }
}

function runBulk(job: BulkJob, prepared: (text: string) => Database.Statement): number {
  const { rowsPerStatement: k, width, rows, toDriver } = job
  const many = prepared(job.statementFor(k))
  const parameters: unknown[] = new Array(k * width)
  let filled = 0
  let changes = 0
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    for (let c = 0; c < width; c++) parameters[filled++] = toDriver(row[c]!, c)
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
