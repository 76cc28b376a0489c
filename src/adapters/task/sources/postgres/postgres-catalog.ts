import type pg from 'pg'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import { type SourceColumn, sourceTableToWire } from '../source-schema.ts'
import { postgresDefault } from './postgres-source-defaults.ts'
import { sqlServerTypeOf } from './postgres-source-types.ts'
import { TRACKING_PREFIX } from './postgres-tracking-sql.ts'

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>

interface CatalogRow {
  table_name: string
  column_name: string
  type_name: string
  typmod: number
  not_null: boolean
  default_expression: string | null
  key_position: number | null
}

/**
 * Every ordinary or partitioned table of the schema that has a primary key, with its columns
 * in physical order. Domains are read as their base type; generated columns carry values but
 * no default.
 */
const COLUMNS = `
select c.relname as table_name, a.attname as column_name,
       coalesce(nullif(bt.typname, ''), t.typname) as type_name,
       case when t.typtype = 'd' then t.typtypmod else a.atttypmod end as typmod,
       a.attnotnull as not_null,
       case when a.attgenerated = '' and a.attidentity = '' then pg_get_expr(d.adbin, d.adrelid) end as default_expression,
       array_position(k.conkey, a.attnum) as key_position
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_constraint k on k.conrelid = c.oid and k.contype = 'p'
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
join pg_type t on t.oid = a.atttypid
left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
  and left(c.relname, ${TRACKING_PREFIX.length}) <> $2
  and ($3::text is null or c.relname = $3)
order by c.relname, a.attnum`

/** Every table of the schema, or only `table` (a snapshot's check of one table it is about to send). */
export async function readTables(db: Queryable, schema: string, table?: string): Promise<WireTableSchema[]> {
  const { rows } = await db.query<CatalogRow>(COLUMNS, [schema, TRACKING_PREFIX, table ?? null])
  const tables = new Map<string, SourceColumn[]>()
  for (const row of rows) {
    const keyPosition = row.key_position === null ? undefined : Number(row.key_position)
    const type = sqlServerTypeOf(row.type_name, Number(row.typmod), keyPosition !== undefined)
    const columns = tables.get(row.table_name) ?? []
    columns.push({
      name: row.column_name,
      type,
      nullable: !row.not_null,
      defaultValue: postgresDefault(row.default_expression, type),
      keyPosition,
    })
    tables.set(row.table_name, columns)
  }
  return [...tables].map(([name, columns]) => sourceTableToWire(name, columns))
}

/** The ordinary and partitioned tables of the schema that have no primary key: not mirrored. */
export async function keylessTables(db: Queryable, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
        and left(c.relname, ${TRACKING_PREFIX.length}) <> $2
        and not exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'p')
      order by c.relname`,
    [schema, TRACKING_PREFIX],
  )
  return rows.map((r) => r.name)
}

/** The table's oid and primary key columns in key order; undefined when there is no such table. */
export async function primaryKey(
  db: Queryable,
  schema: string,
  table: string,
): Promise<{ oid: string; columns: string[] } | undefined> {
  // json_agg, not array_agg: this connection leaves arrays as the text PostgreSQL prints.
  const { rows } = await db.query<{ oid: string; columns: string | null }>(
    `select c.oid::text as oid,
            (select json_agg(a.attname order by u.position)
               from pg_constraint k
               cross join lateral unnest(k.conkey) with ordinality as u(attnum, position)
               join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum
              where k.conrelid = c.oid and k.contype = 'p') as columns
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p')`,
    [schema, table],
  )
  const row = rows[0]
  return row ? { oid: row.oid, columns: row.columns === null ? [] : (JSON.parse(row.columns) as string[]) } : undefined
}
