import { Kysely, MssqlDialect, sql } from 'kysely'
import * as tarn from 'tarn'
import tedious from 'tedious'
import type { ContextId } from '../../../../domain/handshake/context-id.ts'
import { guardConnection } from '../../driver-faults.ts'
import { DriverJobs } from '../../driver-jobs.ts'
import type { TenantConnector } from '../../kysely-mirror-databases.ts'
import type { BulkUpsert, Db } from '../../sql-dialect.ts'
import { BULK_MARKER, type BulkJob, mssqlBulkUpsert, withBulkLoad } from './mssql-bulk.ts'

/** `mssql://user:password@host[:port]/database?encrypt=true&trustServerCertificate=true` → tedious. */
export function tediousConfig(url: string, database?: string): tedious.ConnectionConfiguration {
  const parsed = new URL(url)
  const flag = (name: string, fallback: boolean) => {
    const value = parsed.searchParams.get(name)
    return value === null ? fallback : value === 'true' || value === '1'
  }
  const instanceName = parsed.searchParams.get('instanceName') ?? undefined
  return {
    server: parsed.hostname,
    authentication: {
      type: 'default',
      options: { userName: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) },
    },
    options: {
      ...(instanceName ? { instanceName } : { port: parsed.port ? Number(parsed.port) : 1433 }),
      database: database ?? (decodeURIComponent(parsed.pathname.slice(1)) || 'master'),
      encrypt: flag('encrypt', true),
      trustServerCertificate: flag('trustServerCertificate', false),
      connectTimeout: 30_000,
      requestTimeout: 0,
    },
  }
}

/** Connections per tenant database; TenantPool caps how many tenants are open. */
const PER_TENANT = 4

/** Kysely on SQL Server; a mirror's connections also run its connector's bulk loads. */
export function openMssql(config: tedious.ConnectionConfiguration, max = PER_TENANT, jobs?: DriverJobs<BulkJob>): Db {
  const connect = () => guardConnection(new tedious.Connection(config))
  return new Kysely({
    dialect: new MssqlDialect({
      tarn: { ...tarn, options: { min: 0, max, idleTimeoutMillis: 30_000 } },
      tedious: { ...tedious, connectionFactory: jobs ? () => withBulkLoad(connect(), jobs) : connect },
    }),
  })
}

/**
 * A database per tenant on one SQL Server, created on first use from an admin connection.
 * CREATE DATABASE cannot take a parameter, so the name goes through QUOTENAME inside
 * parameterised dynamic SQL; a new database can take a moment to accept logins, so the
 * connector waits until it answers.
 */
export class MssqlConnector implements TenantConnector {
  readonly #url: string
  readonly #name: (contextId: ContextId) => string
  readonly #admin: Db
  readonly #open: typeof openMssql
  readonly #jobs = new DriverJobs<BulkJob>(BULK_MARKER)
  readonly bulk: BulkUpsert = mssqlBulkUpsert(this.#jobs)

  constructor(url: string, name: (contextId: ContextId) => string, open = openMssql) {
    this.#url = url
    this.#name = name
    this.#open = open
    this.#admin = open(tediousConfig(url), 1)
  }

  async open(contextId: ContextId): Promise<Db> {
    const name = this.#name(contextId)
    await createDatabaseStatement(name).execute(this.#admin)
    const db = this.#open(tediousConfig(this.#url, name), undefined, this.#jobs)
    for (let attempt = 1; ; attempt++) {
      try {
        await sql`select 1 as ready`.execute(db)
        return db
      } catch (error) {
        if (attempt >= 30) {
          await db.destroy()
          throw error
        }
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    }
  }

  async probe(): Promise<void> {
    await sql`select 1 as ready`.execute(this.#admin)
  }

  async close(): Promise<void> {
    await this.#admin.destroy()
  }
}

export function createDatabaseStatement(name: string) {
  return sql`declare @name sysname = ${name};
if db_id(@name) is null
begin
  declare @create nvarchar(max) = N'create database ' + quotename(@name);
  exec (@create);
end`
}
