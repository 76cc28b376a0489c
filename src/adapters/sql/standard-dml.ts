import { type RawBuilder, sql } from 'kysely'
import type { Row } from '../../domain/changes/cell-value.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'
import { boundValue, chunks, type DialectParts, keyNames, rowsPerStatement, valueList } from './dialect-parts.ts'
import type { Db, MirrorDml } from './sql-dialect.ts'

/**
 * The row statements engines share, written once with Kysely: `insert … on conflict` upserts
 * (SQLite and PostgreSQL; MySQL and SQL Server write their own), deletes by key and streaming
 * reads in key order.
 */
export function standardDml(parts: DialectParts): MirrorDml {
  return {
    async upsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void> {
      const columns = table.columns.map((c) => sql.id(c.name))
      const keys = keyNames(table).map((k) => sql.id(k))
      const action = conflictAction(table)
      for (const chunk of chunks(rows, rowsPerStatement(parts, table.columns.length))) {
        await sql`insert into ${sql.id(table.name)} (${sql.join(columns)}) values ${valueList(parts, table.columns, chunk)}
        on conflict (${sql.join(keys)}) ${action}`.execute(db)
      }
    },

    async deleteRows(db: Db, table: TableSchema, keys: readonly Row[]): Promise<void> {
      const keyColumns = table.key.map((i) => table.columns[i]!)
      for (const chunk of chunks(keys, rowsPerStatement(parts, keyColumns.length))) {
        const target =
          keyColumns.length === 1
            ? sql`${sql.id(keyColumns[0]!.name)} in (${sql.join(chunk.map((k) => boundValue(parts, k[0]!, keyColumns[0]!.type)))})`
            : sql`(${sql.join(keyColumns.map((c) => sql.id(c.name)))}) in (${valueList(parts, keyColumns, chunk)})`
        await sql`delete from ${sql.id(table.name)} where ${target}`.execute(db)
      }
    },

    async *readRows(db: Db, table: TableSchema): AsyncIterable<Row> {
      let query = db.selectFrom(table.name).select(table.columns.map((c) => sql.id(c.name).as(c.name)))
      // One orderBy per key column: Kysely deprecated the array form.
      for (const key of keyNames(table)) query = query.orderBy(sql.id(key) as never)
      yield* decodedRows(parts, table, query.stream(1000))
    },
  }
}

/** What `on conflict (key)` does: update the other columns from `excluded`, or nothing when the key is all. */
export function conflictAction(table: TableSchema): RawBuilder<unknown> {
  const others = table.columns.filter((_, i) => !table.key.includes(i))
  return others.length === 0
    ? sql`do nothing`
    : sql`do update set ${sql.join(others.map((c) => sql`${sql.id(c.name)} = excluded.${sql.id(c.name)}`))}`
}

/** Records as the driver streams them → rows of CellValues in column order. */
export async function* decodedRows(
  parts: DialectParts,
  table: TableSchema,
  records: AsyncIterable<unknown>,
): AsyncIterable<Row> {
  for await (const record of records) {
    yield table.columns.map((c) => parts.values.fromDriver((record as Record<string, unknown>)[c.name], c.type))
  }
}
