import type pg from 'pg'
import type { DriverJobs } from '../../driver-jobs.ts'
import { type CopyJob, runCopy } from './postgres-copy.ts'
import { heldResult, inlineParameters, isHeld, lastResult } from './postgres-held-statements.ts'

type Query = pg.PoolClient['query']

/**
 * A tenant's pg pool whose clients run the jobs' marker statements as COPY and send fewer round
 * trips: a statement whose answer no one reads (begin, a savepoint, an advisory lock) is held and
 * goes in one simple-query message with the next statement, its parameters written inline where
 * that is certain to mean the same (inlineParameters). A RowData call into PostgreSQL then takes
 * four round trips rather than eight: begin, lock and stamp; savepoint and COPY; release and the
 * new stamp; commit. A held statement's error reaches the caller with the next statement's answer,
 * inside the same transaction; statements still held when the client goes back to the pool were
 * never sent (nothing came after them), and are dropped.
 */
export function sessionPool(pool: pg.Pool, jobs: DriverJobs<CopyJob>): pg.Pool {
  const connect = pool.connect.bind(pool)
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'connect') return Reflect.get(target, property, receiver)
      return async () => session(await connect(), jobs)
    },
  })
}

function session(client: pg.PoolClient, jobs: DriverJobs<CopyJob>): pg.PoolClient {
  const marked = client as pg.PoolClient & { __tenantMirrorSession?: string[] }
  const held = marked.__tenantMirrorSession ?? []
  // Dropped as the client goes back, not as it is checked out: the schema layout's checkout runs
  // `set search_path` on it first, which must not carry a stray `begin` along. pg-pool gives the
  // client a new `release` at every checkout, so it is wrapped at every checkout.
  const release = client.release
  client.release = (error?: Error | boolean) => {
    held.length = 0
    return release.call(client, error)
  }
  if (marked.__tenantMirrorSession) return client
  marked.__tenantMirrorSession = held
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult | pg.QueryResult[]>
  const takeHeld = (): string => {
    const text = held.join(';\n')
    held.length = 0
    return text
  }
  client.query = ((text: unknown, params?: unknown[]) => {
    if (jobs.marks(text)) return runCopy(client, jobs.take(params?.[0]), takeHeld())
    if (typeof text !== 'string') {
      // A cursor (readRows, never inside the mirror's transactions) is answered at once, so what
      // is held goes first on its own; its error would show as the cursor's.
      if (held.length > 0) query(takeHeld()).catch(() => undefined)
      return query(text, params)
    }
    if (isHeld(text, params)) {
      held.push(text)
      return Promise.resolve(heldResult(text))
    }
    if (held.length === 0) return query(text, params)
    const before = takeHeld()
    const inline = params === undefined || params.length === 0 ? text : inlineParameters(text, params)
    if (inline !== undefined) return query(`${before};\n${inline}`).then(lastResult)
    // Queued together: the held statements' error, first in time, is the one the caller sees.
    return Promise.all([query(before), query(text, params)]).then(([, result]) => result)
  }) as Query
  return client
}
