import { type RawBuilder, sql } from 'kysely'
import type { ColumnSchema } from '../../../../domain/schema/table-schema.ts'
import { constraintName, type DialectParts, keyNames, noteDropped } from '../../dialect-parts.ts'
import type { Db, MirrorDdl } from '../../sql-dialect.ts'
import { standardDdl, truncateTable } from '../../standard-ddl.ts'

/**
 * SQL Server's table DDL: no CREATE TABLE IF NOT EXISTS, named default constraints (so that
 * they can be dropped again), and ALTERs that change a column's type and default in place.
 */
export function mssqlDdl(parts: DialectParts): MirrorDdl {
  /** `"c" type [not] null [constraint "DF_t_c" default (…)]`: named defaults can be dropped again. */
  const columnDefinition = (table: string, column: ColumnSchema, warnings: string[]): RawBuilder<unknown> => {
    const rendered = parts.defaults(column, parts.types.render(column.type))
    noteDropped(warnings, table, column.name, rendered)
    const fallback =
      rendered.sql === undefined
        ? sql``
        : sql` constraint ${sql.id(defaultName(table, column.name))} default ${sql.raw(rendered.sql)}`
    return sql`${sql.id(column.name)} ${sql.raw(parts.types.render(column.type))} ${sql.raw(
      column.nullable ? 'null' : 'not null',
    )}${fallback}`
  }
  const defaultName = (table: string, column: string) => constraintName(parts, 'DF', `${table}_${column}`)

  return {
    async ensureMetadataTable(db: Db, name: string): Promise<void> {
      const t = parts.types.metadata
      await sql`if object_id(${name}, N'U') is null create table ${sql.id(name)} (
  "tablename" ${sql.raw(t.name)} not null constraint ${sql.id(constraintName(parts, 'pk', name))} primary key,
  "schema_hash" ${sql.raw(t.hash)} not null,
  "lsn" ${sql.raw(t.lsn)} not null,
  "created_by_mirror" ${sql.raw(t.flag)} not null,
  "schema_json" ${sql.raw(t.document)} not null,
  "updated_at" ${sql.raw(t.timestamp)} not null
)`.execute(db)
    },

    async createTable(db, table) {
      const warnings: string[] = []
      const columns = table.columns.map((column) => columnDefinition(table.name, column, warnings))
      const key = sql`constraint ${sql.id(constraintName(parts, 'pk', table.name))} primary key (${sql.join(
        keyNames(table).map((k) => sql.id(k)),
      )})`
      await sql`create table ${sql.id(table.name)} (${sql.join([...columns, key])})`.execute(db)
      return warnings
    },

    /**
     * Adds columns and changes types, NULL-ability and defaults in place. A key column's type
     * cannot change under its primary key, and a NOT NULL column without a default cannot be
     * added to rows that exist: both recreate.
     */
    async alterTable(db, from, to, steps) {
      const keys = new Set(keyNames(from).map((k) => k.toLowerCase()))
      for (const step of steps) {
        if (
          step.kind === 'add-column' &&
          !step.column.nullable &&
          parts.defaults(step.column, parts.types.render(step.column.type)).sql === undefined
        ) {
          return undefined
        }
        if (step.kind === 'widen-column' && keys.has(step.to.name.toLowerCase())) return undefined
      }
      const warnings: string[] = []
      for (const step of steps) {
        if (step.kind === 'add-column') {
          await sql`alter table ${sql.id(to.name)} add ${columnDefinition(to.name, step.column, warnings)}`.execute(db)
          continue
        }
        const column = step.to
        await dropDefaultStatement(to.name, column.name).execute(db)
        const type = parts.types.render(column.type)
        if (step.kind === 'widen-column') {
          await sql`alter table ${sql.id(to.name)} alter column ${sql.id(column.name)} ${sql.raw(type)} ${sql.raw(
            column.nullable ? 'null' : 'not null',
          )}`.execute(db)
        }
        const rendered = parts.defaults(column, type)
        noteDropped(warnings, to.name, column.name, rendered)
        if (rendered.sql !== undefined) {
          await sql`alter table ${sql.id(to.name)} add constraint ${sql.id(defaultName(to.name, column.name))} default ${sql.raw(
            rendered.sql,
          )} for ${sql.id(column.name)}`.execute(db)
        }
      }
      return warnings
    },

    dropTable: standardDdl(parts).dropTable,
    truncateTable,

    async listTables(db, only) {
      if (only?.length === 0) return []
      const among = only ? sql` and lower(name) in (${sql.join(only)})` : sql``
      const { rows } = await sql<{
        name: string
      }>`select name from sys.tables where schema_id = schema_id()${among}`.execute(db)
      return rows.map((r) => r.name)
    },
  }
}

/** Drops a column's default constraint whatever its name (one a partner or an older release made). */
export function dropDefaultStatement(table: string, column: string) {
  return sql`declare @constraint sysname = (select d.name from sys.default_constraints d
  where d.parent_object_id = object_id(${table}) and d.parent_column_id = columnproperty(object_id(${table}), ${column}, 'ColumnId'));
if @constraint is not null
begin
  declare @drop nvarchar(max) = N'alter table ' + quotename(${table}) + N' drop constraint ' + quotename(@constraint);
  exec (@drop);
end`
}
