import { type ColumnDefinitionBuilder, sql } from 'kysely'
import type { ColumnSchema, TableSchema } from '../../domain/schema/table-schema.ts'
import { columnTypes, constraintName, type DialectParts, keyNames, noteDropped } from './dialect-parts.ts'
import type { Db, MirrorDdl, RenderedDefault } from './sql-dialect.ts'

/**
 * The table DDL engines share, written once with Kysely's schema builder: the metadata table,
 * CREATE TABLE with defaults and a named key, DROP TABLE IF EXISTS. A dialect adds what it
 * does its own way (ALTER, emptying and listing tables) and may replace any of these.
 */
export function standardDdl(parts: DialectParts): Pick<MirrorDdl, 'ensureMetadataTable' | 'createTable' | 'dropTable'> {
  return {
    async ensureMetadataTable(db: Db, name: string): Promise<void> {
      const t = parts.types.metadata
      await db.schema
        .createTable(name)
        .ifNotExists()
        .addColumn('tablename', sql.raw(t.name), (c) => c.primaryKey())
        .addColumn('schema_hash', sql.raw(t.hash), (c) => c.notNull())
        .addColumn('lsn', sql.raw(t.lsn), (c) => c.notNull())
        .addColumn('created_by_mirror', sql.raw(t.flag), (c) => c.notNull())
        .addColumn('schema_json', sql.raw(t.document), (c) => c.notNull())
        .addColumn('updated_at', sql.raw(t.timestamp), (c) => c.notNull())
        .execute()
    },

    async createTable(db: Db, table: TableSchema): Promise<readonly string[]> {
      const types = columnTypes(parts, table)
      const warnings: string[] = []
      let builder = db.schema.createTable(table.name)
      table.columns.forEach((column, i) => {
        const rendered = parts.defaults(column, types[i]!)
        noteDropped(warnings, table.name, column.name, rendered)
        builder = builder.addColumn(column.name, sql.raw(types[i]!), columnConstraints(column, rendered))
      })
      let create = builder.addPrimaryKeyConstraint(constraintName(parts, 'pk', table.name), keyNames(table) as never)
      if (parts.types.tableOptions) create = create.modifyEnd(sql.raw(parts.types.tableOptions))
      await create.execute()
      return warnings
    },

    async dropTable(db: Db, table: string): Promise<void> {
      await db.schema.dropTable(table).ifExists().execute()
    },
  }
}

/** NOT NULL and the default of a column, for Kysely's column builder. */
export function columnConstraints(column: ColumnSchema, rendered: RenderedDefault) {
  return (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder => {
    const required = column.nullable ? c : c.notNull()
    return rendered.sql === undefined ? required : required.defaultTo(sql.raw(rendered.sql))
  }
}

/** DELETE, where TRUNCATE would commit the caller's transaction (MySQL) or does not exist (SQLite). */
export async function deleteAllRows(db: Db, table: string): Promise<void> {
  await db.deleteFrom(table).execute()
}

export async function truncateTable(db: Db, table: string): Promise<void> {
  await sql`truncate table ${sql.id(table)}`.execute(db)
}
