import { Kysely, MysqlDialect } from 'kysely'
import { createPool, type Pool, type PoolOptions } from 'mysql2'
import type { ContextId } from '../../../../domain/handshake/context-id.ts'
import { guardMysqlPool } from '../../driver-faults.ts'
import { DriverJobs } from '../../driver-jobs.ts'
import type { TenantConnector } from '../../kysely-mirror-databases.ts'
import type { BulkUpsert, Db } from '../../sql-dialect.ts'
import { mysqlBulkUpsert } from './mysql-bulk.ts'
import { quoteMysqlIdent } from './mysql-identifier.ts'
import { LOAD_MARKER, type LoadJob, loadingPool } from './mysql-load.ts'

/** Connections per tenant database; TenantPool caps how many tenants are open. */
const PER_TENANT = 4

function poolOptions(url: string): PoolOptions {
  return {
    uri: url,
    connectionLimit: PER_TENANT,
    maxIdle: 1,
    idleTimeout: 30_000,
    charset: 'utf8mb4_bin',
    // Dates as MySQL's text, big numbers as text: nothing passes through a JS Date or double.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
    // affectedRows counts matched rows, so setting an LSN to its own value still reports 1.
    flags: ['+FOUND_ROWS'],
    // Kysely sends text queries, never prepared statements; mysql2's cache of them is sized up
    // front (16,000 entries, about 512 KB a connection: 26 MB of 50 tenants' heap, for nothing).
    maxPreparedStatements: 16,
  }
}

/** A database per tenant on one MySQL/MariaDB server, created on first use, utf8mb4 throughout. */
export class MysqlConnector implements TenantConnector {
  readonly #url: string
  readonly #name: (contextId: ContextId) => string
  readonly #admin: Pool
  readonly #loads = new DriverJobs<LoadJob>(LOAD_MARKER)
  readonly bulk: BulkUpsert = mysqlBulkUpsert(this.#loads)

  constructor(url: string, name: (contextId: ContextId) => string) {
    this.#url = url
    this.#name = name
    this.#admin = guardMysqlPool(createPool({ ...poolOptions(url), connectionLimit: 2 }))
  }

  async open(contextId: ContextId): Promise<Db> {
    const name = this.#name(contextId)
    await this.#admin
      .promise()
      .query(`create database if not exists ${quoteMysqlIdent(name)} character set utf8mb4 collate utf8mb4_bin`)
    const url = new URL(this.#url)
    url.pathname = `/${encodeURIComponent(name)}`
    // Several statements a message: the statements held for the next one (mysql-held-statements.ts).
    const pool = guardMysqlPool(createPool({ ...poolOptions(url.toString()), multipleStatements: true }))
    pool.on('connection', (connection) => {
      connection.query("set session sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'")
    })
    return new Kysely({ dialect: new MysqlDialect({ pool: loadingPool(pool, this.#loads) }) })
  }

  async probe(): Promise<void> {
    await this.#admin.promise().query('select 1')
  }

  async close(): Promise<void> {
    await this.#admin.promise().end()
  }
}
