/**
 * An identifier quoted the standard way (SQLite, PostgreSQL), as Kysely's compilers do it, for
 * the statements a driver runs without Kysely (COPY, a kept prepared statement, CREATE DATABASE);
 * the names were validated by the domain or checkedDatabaseName first.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
