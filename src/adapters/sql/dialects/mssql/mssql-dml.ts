import { type RawBuilder, sql } from 'kysely'
import type { Row } from '../../../../domain/changes/cell-value.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { boundValue, chunks, type DialectParts, keyNames, rowsPerStatement, valueList } from '../../dialect-parts.ts'
import type { Db, MirrorDml } from '../../sql-dialect.ts'
import { decodedRows } from '../../standard-dml.ts'
import { readExpression } from './mssql-types.ts'

/** SQL Server's row statements: MERGE … WITH (HOLDLOCK) upserts, OR-ed key deletes, reads through CONVERT. */
export function mssqlDml(parts: DialectParts): MirrorDml {
  return {
    async upsertRows(db, table, rows) {
      for (const chunk of chunks(rows, rowsPerStatement(parts, table.columns.length))) {
        await mergeStatement(table, sql`(values ${valueList(parts, table.columns, chunk)})`).execute(db)
      }
    },

    /** T-SQL has no row-value IN: composite keys become ORs of ANDs. */
    async deleteRows(db, table, keys) {
      const keyColumns = table.key.map((i) => table.columns[i]!)
      for (const chunk of chunks(keys, rowsPerStatement(parts, keyColumns.length))) {
        const bound = (key: Row, i: number) => boundValue(parts, key[i]!, keyColumns[i]!.type)
        const where =
          keyColumns.length === 1
            ? sql`${sql.id(keyColumns[0]!.name)} in (${sql.join(chunk.map((k) => bound(k, 0)))})`
            : sql.join(
                chunk.map(
                  (k) =>
                    sql`(${sql.join(
                      keyColumns.map((c, i) => sql`${sql.id(c.name)} = ${bound(k, i)}`),
                      sql` and `,
                    )})`,
                ),
                sql` or `,
              )
        await sql`delete from ${sql.id(table.name)} where ${where}`.execute(db)
      }
    },

    readRows: (db, table) => decodedRows(parts, table, readRowsStatement(db, table).stream(1000)),
  }
}

/** MERGE … WITH (HOLDLOCK) from a row source: insert new keys, update the rest. */
export function mergeStatement(table: TableSchema, source: RawBuilder<unknown>): RawBuilder<unknown> {
  const names = table.columns.map((c) => sql.id(c.name))
  const on = sql.join(
    keyNames(table).map((k) => sql`target.${sql.id(k)} = source.${sql.id(k)}`),
    sql` and `,
  )
  const others = table.columns.filter((_, i) => !table.key.includes(i))
  const update =
    others.length === 0
      ? sql``
      : sql` when matched then update set ${sql.join(others.map((c) => sql`target.${sql.id(c.name)} = source.${sql.id(c.name)}`))}`
  return sql`merge into ${sql.id(table.name)} with (holdlock) as target using ${source} as source (${sql.join(names)}) on ${on}${update} when not matched then insert (${sql.join(names)}) values (${sql.join(table.columns.map((c) => sql`source.${sql.id(c.name)}`))});`
}

/** The rows in key order, each column read so that its canonical text comes back (readExpression). */
export function readRowsStatement(db: Db, table: TableSchema) {
  const columns = table.columns.map((c) => {
    const read = readExpression(c.type)
    if (!read) return sql.id(c.name).as(c.name)
    const style = read.style === undefined ? sql`` : sql`, ${sql.raw(String(read.style))}`
    return sql`convert(${sql.raw(read.convert)}, ${sql.id(c.name)}${style})`.as(c.name)
  })
  let query = db.selectFrom(table.name).select(columns)
  for (const key of keyNames(table)) query = query.orderBy(sql.id(key))
  return query
}
