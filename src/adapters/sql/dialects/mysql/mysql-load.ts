import { Readable } from 'node:stream'
import type { Pool, PoolConnection } from 'mysql2'
import type { DriverJobs } from '../../driver-jobs.ts'
import type { TextFormat } from '../../tab-separated-buffers.ts'
import { HELD_ANSWER, isHeld, lastOf, withHeld } from './mysql-held-statements.ts'
import { toMysqlValue } from './mysql-values.ts'

/**
 * LOAD DATA LOCAL INFILE through Kysely, as postgres-copy.ts does COPY: Kysely only knows
 * `query(sql, params, callback)`, so the pool hands out connections that recognise the marker
 * statement of the connector's jobs and run that load on themselves, inside the caller's
 * transaction, with the rows streamed as the "file". The same connections hold `begin` and
 * savepoints for the statement after them (mysql-held-statements.ts).
 */
export const LOAD_MARKER = '/*tenant-mirror:load*/'

export interface LoadJob {
  readonly statement: string
  /** Written out before the load starts and emptied when it has ended, as COPY's lines are (postgres-copy.ts says why). */
  readonly chunks: Buffer[]
  /** What the server answered: rows written, and warnings (a LOCAL load turns errors into them). */
  result?: { readonly affectedRows: number; readonly warnings: number }
}

type Callback = (error: Error | null, result?: unknown) => void

/** A mysql2 pool whose connections run the jobs' marker statements as loads and hold answerless statements; everything else passes through. */
export function loadingPool(pool: Pool, jobs: DriverJobs<LoadJob>): Pool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'getConnection') return Reflect.get(target, property, receiver)
      return (callback: (error: NodeJS.ErrnoException | null, connection: PoolConnection) => void) =>
        target.getConnection((error, connection) => callback(error, error ? connection : withLoad(connection, jobs)))
    },
  })
}

function withLoad(connection: PoolConnection, jobs: DriverJobs<LoadJob>): PoolConnection {
  const marked = connection as PoolConnection & { __tenantMirrorLoad?: true }
  if (marked.__tenantMirrorLoad) return connection
  marked.__tenantMirrorLoad = true
  const query = connection.query.bind(connection) as (...args: unknown[]) => unknown
  const held: string[] = []
  /** The error of held statements sent ahead of a streamed query, for the next statement to answer. */
  let failed: Error | undefined
  connection.query = ((...args: unknown[]) => {
    const [text, params, callback] = args
    if (typeof callback === 'function' && failed) {
      const error = failed
      failed = undefined
      held.length = 0
      process.nextTick(callback, error)
      return undefined
    }
    if (typeof callback === 'function' && isHeld(text, params)) {
      held.push(text as string)
      process.nextTick(callback, null, HELD_ANSWER, undefined)
      return undefined
    }
    const before = held.splice(0)
    if (jobs.marks(text)) {
      runLoad(query, jobs.take((params as unknown[])[0]), callback as Callback, before)
      return undefined
    }
    if (before.length === 0) return query(...args)
    if (typeof text !== 'string' || typeof callback !== 'function') {
      // A streamed query takes no other statement in its message: the held ones go just ahead of
      // it (mysql2 keeps a connection's order), their error kept for the next statement.
      query(before.join('; '), [], (error: Error | null) => {
        if (error) failed = error
      })
      return query(...args)
    }
    const statements = before.length + 1
    return query(withHeld(before, text), params, (error: Error | null, results?: unknown, fields?: unknown) =>
      (callback as (...a: unknown[]) => void)(error, lastOf(results, statements), lastOf(fields, statements)),
    )
  }) as PoolConnection['query']
  return connection
}

function runLoad(
  query: (...args: unknown[]) => unknown,
  job: LoadJob | undefined,
  callback: Callback,
  before: readonly string[],
) {
  if (!job) {
    callback(new Error('LOAD job is unknown'))
    return
  }
  // The factory answers whatever file name the server asks for with the job's rows: no file of
  // this machine is ever read, whatever a server (or a statement) names.
  query(
    { sql: withHeld(before, job.statement), infileStreamFactory: () => rowStream(job.chunks) },
    (error: Error | null, answer: unknown) => {
      const result = lastOf(answer, before.length + 1) as { affectedRows?: number; warningStatus?: number }
      job.chunks.length = 0
      if (error) {
        callback(error)
        return
      }
      job.result = { affectedRows: Number(result.affectedRows ?? 0), warnings: Number(result.warningStatus ?? 0) }
      callback(null, result)
    },
  )
}

/**
 * The rows as the "file". mysql2 stops listening to it when its connection is lost, and a row
 * that fails to convert after that must not become an 'error' event nobody handles; while the
 * connection lives, mysql2's own listener fails the load with it.
 */
function rowStream(chunks: Buffer[]): Readable {
  const stream = Readable.from(chunks, { objectMode: false })
  stream.on('error', () => undefined)
  return stream
}

/** LOAD DATA's default text format: `\N` for NULL, backslash escapes, NUL as `\0`. */
export const LOAD_TEXT: TextFormat = {
  escapeNul: true,
  field(value, type) {
    const v = toMysqlValue(value, type)
    if (v === null || v === undefined) return null
    return typeof v === 'number' || typeof v === 'string' ? v : String(v)
  },
}
