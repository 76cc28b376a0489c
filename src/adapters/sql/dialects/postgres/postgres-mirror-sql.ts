import { sql } from 'kysely'
import pg from 'pg'
import type { DialectParts } from '../../dialect-parts.ts'
import type { Db, SqlDialect } from '../../sql-dialect.ts'
import { standardDdl } from '../../standard-ddl.ts'
import { standardDml } from '../../standard-dml.ts'
import { postgresAlter } from './postgres-alter.ts'
import { POSTGRES_CAPABILITIES } from './postgres-capabilities.ts'
import { renderPostgresDefault } from './postgres-defaults.ts'
import { postgresErrors } from './postgres-errors.ts'
import { HELD_MARKER } from './postgres-held-statements.ts'
import { postgresTypes } from './postgres-types.ts'
import { postgresValues } from './postgres-values.ts'
import { wipeTable } from './postgres-wipe.ts'

const parts: DialectParts = {
  capabilities: POSTGRES_CAPABILITIES,
  types: postgresTypes,
  defaults: renderPostgresDefault,
  values: postgresValues,
}

/** The SQL of PostgreSQL mirrors; the COPY path comes with the connector (postgres-bulk.ts). */
export const postgresMirrorSql: SqlDialect = {
  name: 'postgres',
  capabilities: POSTGRES_CAPABILITIES,
  errors: postgresErrors,
  ddl: { ...standardDdl(parts), alterTable: postgresAlter(parts), truncateTable: wipeTable, listTables },
  dml: standardDml(parts),
  locks: {
    async lock(db: Db, keys: readonly string[]): Promise<void> {
      // Held for the statement after it (postgres-session.ts): the key is a literal, not a parameter.
      for (const key of keys) {
        await sql
          .raw(`${HELD_MARKER}select pg_advisory_xact_lock(hashtextextended(${pg.escapeLiteral(key)}, 0))`)
          .execute(db)
      }
    },
  },
}

/** The tables of the connection's schema: the tenant's database, or its schema in the schema layout. */
async function listTables(db: Db, only?: readonly string[]): Promise<readonly string[]> {
  if (only?.length === 0) return []
  const among = only ? sql` and lower(table_name) in (${sql.join(only)})` : sql``
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'${among}`.execute(db)
  return rows.map((r) => r.name)
}
