import type Database from 'better-sqlite3'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import { type SourceColumn, sourceTableToWire } from '../source-schema.ts'
import { sqliteDefault } from './sqlite-source-defaults.ts'
import { sqlServerTypeOf } from './sqlite-source-types.ts'
import { TRACKING_PREFIX } from './sqlite-tracking-sql.ts'

interface CatalogColumn {
  name: string
  type: string
  notnull: bigint | number
  dflt_value: string | null
  pk: bigint | number
  hidden: bigint | number
}

/** Ordinary tables of the main schema, without SQLite's own and the tracking bookkeeping. */
export function userTables(db: Database.Database): string[] {
  const rows = db
    .prepare(
      `select name from pragma_table_list
       where schema = 'main' and type = 'table' and name not like 'sqlite\\_%' escape '\\' and substr(name, 1, ?) <> ?
       order by name`,
    )
    .all(TRACKING_PREFIX.length, TRACKING_PREFIX) as { name: string }[]
  return rows.map((r) => r.name)
}

function catalogColumns(db: Database.Database, table: string): CatalogColumn[] {
  // Hidden 1 marks a virtual table's hidden column; 2 and 3 are generated columns, which hold values.
  return (
    db
      .prepare(`select name, type, "notnull", dflt_value, pk, hidden from pragma_table_xinfo(?) order by cid`)
      .all(table) as CatalogColumn[]
  ).filter((c) => Number(c.hidden) !== 1)
}

/** The table in wire form, or undefined when it has no primary key (no change tracking without one). */
export function readTable(db: Database.Database, table: string): WireTableSchema | undefined {
  const columns = catalogColumns(db, table)
  if (!columns.some((c) => Number(c.pk) > 0)) return undefined
  const source: SourceColumn[] = columns.map((c) => {
    const keyPosition = Number(c.pk) > 0 ? Number(c.pk) : undefined
    const type = sqlServerTypeOf(c.type, keyPosition !== undefined)
    return {
      name: c.name,
      type,
      nullable: Number(c.notnull) === 0,
      defaultValue: sqliteDefault(c.dflt_value, type),
      keyPosition,
    }
  })
  return sourceTableToWire(table, source)
}

/** Primary key columns in key order, with the table's own spelling; empty when none or no table. */
export function primaryKey(db: Database.Database, table: string): { table: string; columns: string[] } {
  const spelled = db
    .prepare(`select name from pragma_table_list where schema = 'main' and type = 'table' and name = ? collate nocase`)
    .get(table) as { name: string } | undefined
  if (!spelled) return { table, columns: [] }
  const columns = catalogColumns(db, spelled.name)
    .filter((c) => Number(c.pk) > 0)
    .sort((a, b) => Number(a.pk) - Number(b.pk))
    .map((c) => c.name)
  return { table: spelled.name, columns }
}
