import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import type { ContextId } from '../../../../domain/handshake/context-id.ts'
import type { TenantLayout } from '../../dialect-entry.ts'
import { guardPgPool } from '../../driver-faults.ts'
import { DriverJobs } from '../../driver-jobs.ts'
import type { TenantConnector } from '../../kysely-mirror-databases.ts'
import { quoteIdentifier } from '../../quoted-identifier.ts'
import type { BulkUpsert, Db } from '../../sql-dialect.ts'
import { postgresBulkUpsert } from './postgres-bulk.ts'
import { COPY_MARKER, type CopyJob } from './postgres-copy.ts'
import { sessionPool } from './postgres-session.ts'

/** Per pool, never global: int8, numeric and every date/time type stay PostgreSQL's text. */
const AS_TEXT = new Set([20, 1700, 1082, 1083, 1114, 1184, 1266])
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    AS_TEXT.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** How the service's sessions show in pg_stat_activity, so that an operator can tell them apart. */
export const APPLICATION_NAME = 'tenant-mirror'

/** Connections per tenant database: a few writers and a reader; TenantPool caps the tenants. */
const PER_TENANT = 4
/** Connections of the one pool every tenant's schema shares in the schema layout. */
const SHARED = 10

/**
 * Tenant databases on one PostgreSQL server: a database per tenant, created on first use from
 * an admin connection to the URL's database, or (`schema` layout) a schema per tenant in the
 * URL's database, reached through the connection's search_path. Schemas share one pool, so that
 * hundreds of tenants on several replicas stay within the server's connections: a connection
 * takes the tenant's search_path as it is checked out.
 */
export class PostgresConnector implements TenantConnector {
  readonly #url: string
  readonly #layout: TenantLayout
  readonly #name: (contextId: ContextId) => string
  readonly #admin: pg.Pool
  #shared: pg.Pool | undefined
  readonly #copies = new DriverJobs<CopyJob>(COPY_MARKER)
  readonly bulk: BulkUpsert = postgresBulkUpsert(this.#copies)
  readonly #options: string

  /**
   * `durable` false: the tenants' sessions commit without waiting for the WAL's flush
   * (`synchronous_commit = off`, 12 % more rows a second in a full load here). The server
   * flushes a moment later; a crash of the server loses at most those last commits, each whole
   * with its LSN, and the next cycle sends them again. The admin connection is left as the
   * server sets it.
   */
  constructor(url: string, layout: TenantLayout, name: (contextId: ContextId) => string, durable = false) {
    this.#url = url
    this.#layout = layout
    this.#name = name
    this.#options = durable ? '-c TimeZone=UTC' : '-c TimeZone=UTC -c synchronous_commit=off'
    this.#admin = guardPgPool(
      new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 10_000, application_name: APPLICATION_NAME }),
    )
  }

  async open(contextId: ContextId): Promise<Db> {
    const name = this.#name(contextId)
    let pool: pg.Pool
    if (this.#layout === 'schema') {
      await this.#admin.query(`create schema if not exists ${quoteIdentifier(name)}`)
      this.#shared ??= this.#pool(this.#url, SHARED)
      pool = inSchema(this.#shared, name)
    } else {
      await this.#ensureDatabase(name)
      const url = new URL(this.#url)
      url.pathname = `/${encodeURIComponent(name)}`
      pool = this.#pool(url.toString(), PER_TENANT)
    }
    return new Kysely({ dialect: new PostgresDialect({ pool: sessionPool(pool, this.#copies), cursor: Cursor }) })
  }

  #pool(connectionString: string, max: number): pg.Pool {
    return guardPgPool(
      new pg.Pool({
        connectionString,
        max,
        idleTimeoutMillis: 30_000,
        application_name: APPLICATION_NAME,
        options: this.#options,
        types: TYPES,
      }),
    )
  }

  async #ensureDatabase(name: string): Promise<void> {
    const { rowCount } = await this.#admin.query('select 1 from pg_database where datname = $1', [name])
    if (rowCount) return
    try {
      // CREATE DATABASE takes no parameters; the name passed checkedDatabaseName and is quoted.
      await this.#admin.query(`create database ${quoteIdentifier(name)}`)
    } catch (error) {
      // Another instance created it first.
      if (!['42P04', '23505'].includes((error as { code?: string }).code ?? '')) throw error
    }
  }

  async probe(): Promise<void> {
    await this.#admin.query('select 1')
  }

  async close(): Promise<void> {
    await this.#shared?.end()
    await this.#admin.end()
  }
}

/**
 * One tenant's view of the shared pool: each connection checked out is set to the tenant's
 * schema (skipped when it already is), and closing the view leaves the pool to the connector.
 */
function inSchema(shared: pg.Pool, schema: string): pg.Pool {
  return new Proxy(shared, {
    get(target, property, receiver) {
      if (property === 'end') return async () => undefined
      if (property !== 'connect') return Reflect.get(target, property, receiver)
      return async () => {
        const client = (await target.connect()) as pg.PoolClient & { tenantMirrorSchema?: string }
        if (client.tenantMirrorSchema === schema) return client
        try {
          await client.query(`set search_path to ${quoteIdentifier(schema)}`)
        } catch (error) {
          client.release(error as Error)
          throw error
        }
        client.tenantMirrorSchema = schema
        return client
      }
    },
  })
}
