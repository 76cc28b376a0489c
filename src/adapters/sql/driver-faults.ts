import type { EventEmitter } from 'node:events'
import type pg from 'pg'

/**
 * A database server that drops a connection makes its driver emit 'error' on the connection
 * object, and an 'error' event nobody listens to ends the process. pg listens only to idle
 * clients: one checked out of the pool (a transaction waiting on the application, a COPY being
 * prepared) that loses its server kills the service. These guards listen on every connection
 * of every pool: the statement in flight still fails, as it should, the failure reaches the
 * caller as a transient error, and the broken connection is dropped instead of reused (pg-pool
 * and mysql2 discard a connection that is no longer usable when it is released).
 */
const ignore = () => undefined

export function guardPgPool<P extends pg.Pool>(pool: P): P {
  pool.on('error', ignore)
  pool.on('connect', (client) => client.on('error', ignore))
  return pool
}

/** mysql2: every connection the pool makes, and the pool itself. */
export function guardMysqlPool<P extends EventEmitter>(pool: P): P {
  pool.on('error', ignore)
  pool.on('connection', (connection: EventEmitter) => connection.on('error', ignore))
  return pool
}

/** tedious: a connection that loses its socket emits 'error' once it has no request to fail. */
export function guardConnection<C extends EventEmitter>(connection: C): C {
  connection.on('error', ignore)
  return connection
}
