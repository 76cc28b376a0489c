import { sql } from 'kysely'
import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { CellValue, Row } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { AlterStep } from '../../../../domain/schema/schema-plan.ts'
import type { ColumnSchema, TableSchema } from '../../../../domain/schema/table-schema.ts'
import { chunkedLines } from '../../chunked-lines.ts'
import { KyselySqlDialect, keyNames } from '../../kysely-sql-dialect.ts'
import type { BulkHint, Db, DialectCapabilities, MetadataTypes, RenderedDefault } from '../../sql-dialect.ts'
import { POSTGRES_CAPABILITIES } from './postgres-capabilities.ts'
import { COPY_MARKER, copyJobs, copyText } from './postgres-copy.ts'
import { renderPostgresDefault } from './postgres-defaults.ts'
import { classifyPostgresError, describePostgresError } from './postgres-errors.ts'
import { renderPostgresType } from './postgres-types.ts'
import { fromPostgresValue, toPostgresValue } from './postgres-values.ts'

let stages = 0
const UNIQUE_VIOLATION = '23505'

export class PostgresDialect extends KyselySqlDialect {
  readonly name = 'postgres'
  readonly capabilities: DialectCapabilities = POSTGRES_CAPABILITIES
  readonly metadataTypes: MetadataTypes = {
    name: 'text',
    hash: 'text',
    lsn: 'bigint',
    flag: 'smallint',
    document: 'text',
    timestamp: 'text',
  }

  renderType(type: ColumnType): string {
    return renderPostgresType(type)
  }

  renderDefault(column: ColumnSchema): RenderedDefault {
    return renderPostgresDefault(column)
  }

  /** PostgreSQL alters every kind of step in place: add, retype with USING, NULL-ability, default. */
  async alterTable(db: Db, _from: TableSchema, to: TableSchema, steps: readonly AlterStep[]) {
    const warnings: string[] = []
    const table = sql.id(to.name)
    for (const step of steps) {
      const column = step.kind === 'add-column' ? step.column : step.to
      const rendered = this.renderDefault(column)
      if (rendered.warning) warnings.push(`table ${to.name}, column ${column.name}: ${rendered.warning}`)
      const name = sql.id(column.name)
      const type = sql.raw(this.renderType(column.type))
      if (step.kind === 'add-column') {
        const fallback = rendered.sql === undefined ? sql`` : sql` default ${sql.raw(rendered.sql)}`
        const required = column.nullable ? sql`` : sql` not null`
        await sql`alter table ${table} add column ${name} ${type}${fallback}${required}`.execute(db)
        continue
      }
      if (step.kind === 'widen-column') {
        await sql`alter table ${table} alter column ${name} type ${type} using ${name}::${type}`.execute(db)
        await sql`alter table ${table} alter column ${name} ${sql.raw(column.nullable ? 'drop not null' : 'set not null')}`.execute(
          db,
        )
      }
      await (rendered.sql === undefined
        ? sql`alter table ${table} alter column ${name} drop default`
        : sql`alter table ${table} alter column ${name} set default ${sql.raw(rendered.sql)}`
      ).execute(db)
    }
    return warnings
  }

  async truncateTable(db: Db, table: string): Promise<void> {
    await sql`truncate table ${sql.id(table)}`.execute(db)
  }

  async listTables(db: Db): Promise<readonly string[]> {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
    return rows.map((r) => r.name)
  }

  async lockKeys(db: Db, keys: readonly string[]): Promise<void> {
    for (const key of keys) await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db)
  }

  /**
   * Big batches. While a table is being loaded, COPY straight into it, behind a savepoint: a
   * batch whose keys are all new (every batch of a first load) costs one COPY. Otherwise, or
   * when a key is already there (the batch came twice), COPY into a temporary table shaped like
   * the target and one `insert … select … on conflict do update`, inside the caller's transaction.
   */
  async bulkUpsertRows(db: Db, table: TableSchema, rows: readonly Row[], hint?: BulkHint): Promise<void> {
    if (hint?.loading) {
      await sql`savepoint tm_bulk`.execute(db)
      try {
        await this.#copy(db, table.name, table, rows)
        await sql`release savepoint tm_bulk`.execute(db)
        return
      } catch (error) {
        if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error
        await sql`rollback to savepoint tm_bulk`.execute(db)
        await sql`release savepoint tm_bulk`.execute(db)
      }
    }
    const stage = `tm_stage_${++stages}`
    await sql`create temp table ${sql.id(stage)} (like ${sql.id(table.name)} including defaults) on commit drop`.execute(
      db,
    )
    await this.#copy(db, stage, table, rows)
    const names = table.columns.map((c) => sql.id(c.name))
    const others = table.columns.filter((_, i) => !table.key.includes(i))
    const action =
      others.length === 0
        ? sql`do nothing`
        : sql`do update set ${sql.join(others.map((c) => sql`${sql.id(c.name)} = excluded.${sql.id(c.name)}`))}`
    await sql`insert into ${sql.id(table.name)} (${sql.join(names)}) select ${sql.join(names)} from ${sql.id(stage)}
      on conflict (${sql.join(keyNames(table).map((k) => sql.id(k)))}) ${action}`.execute(db)
    await sql`drop table ${sql.id(stage)}`.execute(db)
  }

  async #copy(db: Db, into: string, table: TableSchema, rows: readonly Row[]): Promise<void> {
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`
    const columns = table.columns.map((c) => quote(c.name)).join(', ')
    const dialect = this
    const lines = chunkedLines(
      (function* () {
        for (const row of rows)
          yield `${table.columns.map((c, i) => copyText(dialect.toDriverValue(row[i]!, c.type))).join('\t')}\n`
      })(),
    )
    const id = copyJobs.register({ statement: `copy ${quote(into)} (${columns}) from stdin`, lines })
    try {
      await sql`${sql.raw(COPY_MARKER)} select ${id}`.execute(db)
    } finally {
      copyJobs.forget(id)
    }
  }

  toDriverValue(value: CellValue, type: ColumnType): unknown {
    return toPostgresValue(value, type)
  }

  fromDriverValue(value: unknown, type: ColumnType): CellValue {
    return fromPostgresValue(value, type)
  }

  classifyError(error: unknown): FailureClass {
    return classifyPostgresError(error)
  }

  describeError(error: unknown): string {
    return describePostgresError(error)
  }
}
