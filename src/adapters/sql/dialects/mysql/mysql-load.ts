import { Readable } from 'node:stream'
import type { Pool, PoolConnection } from 'mysql2'
import type { DriverJobs } from '../../driver-jobs.ts'
import type { TextFormat } from '../../tab-separated-buffers.ts'
import { toMysqlValue } from './mysql-values.ts'

/**
 * LOAD DATA LOCAL INFILE through Kysely, as postgres-copy.ts does COPY: Kysely only knows
 * `query(sql, params, callback)`, so the pool hands out connections that recognise the marker
 * statement of the connector's jobs and run that load on themselves, inside the caller's
 * transaction, with the rows streamed as the "file".
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

/** A mysql2 pool whose connections run the jobs' marker statements as loads; everything else passes through. */
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
  connection.query = ((...args: unknown[]) => {
    const [text, params, callback] = args
    if (jobs.marks(text)) {
      runLoad(query, jobs.take((params as unknown[])[0]), callback as Callback)
      return undefined
    }
    return query(...args)
  }) as PoolConnection['query']
  return connection
}

function runLoad(query: (...args: unknown[]) => unknown, job: LoadJob | undefined, callback: Callback) {
  if (!job) {
    callback(new Error('LOAD job is unknown'))
    return
  }
  // The factory answers whatever file name the server asks for with the job's rows: no file of
  // this machine is ever read, whatever a server (or a statement) names.
  query(
    { sql: job.statement, infileStreamFactory: () => rowStream(job.chunks) },
    (error: Error | null, result: { affectedRows?: number; warningStatus?: number }) => {
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
