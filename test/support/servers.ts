import { randomBytes } from 'node:crypto'

/**
 * The database servers the dialect tests use. PostgreSQL and MariaDB run on every machine of
 * this project (and CI requires them: their tests fail, never skip, when a server is down);
 * SQL Server tests run only where MIRROR_TEST_MSSQL_URL names one.
 */
export const POSTGRES_URL = process.env.MIRROR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const MYSQL_URL = process.env.MIRROR_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'
export const MSSQL_URL = process.env.MIRROR_TEST_MSSQL_URL

/** A database-name template unique to one test, so that tests never share a tenant database. */
export function uniqueTemplate(prefix = 'tmt'): string {
  return `${prefix}_${randomBytes(4).toString('hex')}_{contextId}`
}
