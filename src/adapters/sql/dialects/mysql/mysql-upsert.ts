import { type RawBuilder, sql } from 'kysely'
import type { Row } from '../../../../domain/changes/cell-value.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { type DialectParts, rowsPerStatement, valueList } from '../../dialect-parts.ts'
import type { MirrorDml } from '../../sql-dialect.ts'

/** A multi-row statement stays well under MariaDB's default 16 MB max_allowed_packet. */
const STATEMENT_BYTES = 4 * 1024 * 1024

/** `insert … on duplicate key update`, in statements cut by rows and by bytes. */
export function mysqlUpsert(parts: DialectParts): MirrorDml['upsertRows'] {
  return async (db, table, rows) => {
    const columns = table.columns.map((c) => sql.id(c.name))
    const update = onDuplicateUpdate(table)
    const maxRows = rowsPerStatement(parts, table.columns.length)
    let chunk: Row[] = []
    let bytes = 0
    const flush = async () => {
      if (chunk.length === 0) return
      await sql`insert into ${sql.id(table.name)} (${sql.join(columns)}) values ${valueList(parts, table.columns, chunk)}
        on duplicate key update ${update}`.execute(db)
      chunk = []
      bytes = 0
    }
    for (const row of rows) {
      const size = estimateBytes(row)
      if (chunk.length >= maxRows || (chunk.length > 0 && bytes + size > STATEMENT_BYTES)) await flush()
      chunk.push(row)
      bytes += size
    }
    await flush()
  }
}

/** Every column but the key takes the new row's value; a table that is all key rewrites its first key column (a no-op). */
export function onDuplicateUpdate(table: TableSchema): RawBuilder<unknown> {
  const others = table.columns.filter((_, i) => !table.key.includes(i))
  return sql.join(
    (others.length > 0 ? others : [table.columns[table.key[0]!]!]).map(
      (c) => sql`${sql.id(c.name)} = values(${sql.id(c.name)})`,
    ),
  )
}

function estimateBytes(row: Row): number {
  let bytes = 16
  for (const value of row) {
    if (typeof value === 'string') bytes += value.length * 3 + 4
    else if (value instanceof Uint8Array) bytes += value.byteLength * 2 + 4
    else bytes += 12
  }
  return bytes
}
