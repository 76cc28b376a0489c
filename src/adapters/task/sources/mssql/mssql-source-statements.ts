import { sql } from 'kysely'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { readExpression } from '../../../sql/dialects/mssql/mssql-types.ts'
import type { Db } from '../../../sql/sql-dialect.ts'

/**
 * The T-SQL the SQL Server change-tracking source runs (protocol.md §6.1). Object names reach
 * DDL only through QUOTENAME in parameterised dynamic SQL, and queries only through Kysely's
 * quoting of names the domain validated.
 */

/** Database-level change tracking (2 days, as SuperOffice keeps it) and snapshot isolation, when off. */
export function enableTrackingStatement(retentionDays: number) {
  return sql`declare @db sysname = db_name();
if not exists (select 1 from sys.change_tracking_databases where database_id = db_id())
begin
  declare @ct nvarchar(max) = N'alter database ' + quotename(@db) + N' set change_tracking = on (change_retention = ' + cast(${retentionDays} as nvarchar(10)) + N' days, auto_cleanup = on)';
  exec (@ct);
end;
if (select snapshot_isolation_state from sys.databases where database_id = db_id()) = 0
begin
  declare @si nvarchar(max) = N'alter database ' + quotename(@db) + N' set allow_snapshot_isolation on';
  exec (@si);
end`
}

/** Every column of every user table with a primary key (or of `table` only), with its key position and default. */
export function catalogStatement(table?: string) {
  const only = table === undefined ? sql`` : sql` and t.name = ${table}`
  return sql<CatalogRow>`select t.name as table_name, c.name as column_name, c.column_id,
  type_name(c.system_type_id) as type_name, c.max_length, c.precision, c.scale, c.is_nullable,
  dc.definition as default_definition, ic.key_ordinal
from sys.tables t
join sys.columns c on c.object_id = t.object_id
join sys.indexes pk on pk.object_id = t.object_id and pk.is_primary_key = 1
left join sys.index_columns ic on ic.object_id = t.object_id and ic.index_id = pk.index_id and ic.column_id = c.column_id
left join sys.default_constraints dc on dc.object_id = c.default_object_id
where t.is_ms_shipped = 0 and t.schema_id = schema_id()${only}
order by t.name, c.column_id`
}

/** The user tables of the default schema that have no primary key: not mirrored. */
export function keylessTablesStatement() {
  return sql<{ name: string }>`select t.name from sys.tables t
where t.is_ms_shipped = 0 and t.schema_id = schema_id()
  and not exists (select 1 from sys.indexes i where i.object_id = t.object_id and i.is_primary_key = 1)
order by t.name`
}

export interface CatalogRow {
  readonly table_name: string
  readonly column_name: string
  readonly column_id: number
  readonly type_name: string
  readonly max_length: number
  readonly precision: number
  readonly scale: number
  readonly is_nullable: boolean
  readonly default_definition: string | null
  readonly key_ordinal: number | null
}

/** Enables tracking on a table unless it is on; answers whether it was just enabled. */
export function trackTableStatement(table: string) {
  return sql<{ just_enabled: boolean }>`declare @table sysname = ${table};
if not exists (select 1 from sys.change_tracking_tables where object_id = object_id(quotename(@table)))
begin
  declare @enable nvarchar(max) = N'alter table ' + quotename(@table) + N' enable change_tracking';
  exec (@enable);
  select cast(1 as bit) as just_enabled;
end
else select cast(0 as bit) as just_enabled`
}

/** Names a tablesToTrackStatement takes: SQL Server takes at most 2,100 parameters a request. */
export const TABLES_TO_TRACK_CHUNK = 1000

/**
 * trackTableStatement's check for up to TABLES_TO_TRACK_CHUNK tables at once: those not tracked,
 * in the order given. A VALUES list of parameters, not OPENJSON or STRING_SPLIT, which a database
 * at a compatibility level below 130 lacks.
 */
export function tablesToTrackStatement(tables: readonly string[]) {
  const rows = tables.map((table, i) => sql`(${table}, ${sql.lit(i)})`)
  return sql<{ name: string }>`select t.name from (values ${sql.join(rows)}) as t(name, position)
where not exists (select 1 from sys.change_tracking_tables c where c.object_id = object_id(quotename(t.name)))
order by t.position`
}

export function untrackTableStatement(table: string) {
  return sql`declare @table sysname = ${table};
if exists (select 1 from sys.change_tracking_tables where object_id = object_id(quotename(@table)))
begin
  declare @disable nvarchar(max) = N'alter table ' + quotename(@table) + N' disable change_tracking';
  exec (@disable);
end`
}

export const currentVersionStatement = () =>
  sql<{ version: string | number | null }>`select change_tracking_current_version() as version`

export const minValidVersionStatement = (table: string) =>
  sql<{
    version: string | number | null
  }>`select change_tracking_min_valid_version(object_id(quotename(${table}))) as version`

export const countRowsStatement = (table: string) =>
  sql<{ n: string | number }>`select count_big(*) as n from ${sql.id(table)}`

export const countChangesStatement = (table: string, since: number, upTo: number) =>
  sql<{ n: string | number }>`select count_big(*) as n from changetable(changes ${sql.id(table)}, ${since}) as ct
where ct.sys_change_version <= ${upTo}`

/** A column read so that tedious hands back canonical text (the mirror dialect's reading rules). */
function read(alias: string, column: TableSchema['columns'][number], as: string) {
  const expression = readExpression(column.type)
  const ref = sql`${sql.id(alias)}.${sql.id(column.name)}`
  if (!expression) return sql`${ref}`.as(as)
  const style = expression.style === undefined ? sql`` : sql`, ${sql.raw(String(expression.style))}`
  return sql`convert(${sql.raw(expression.convert)}, ${ref}${style})`.as(as)
}

export function readRowsQuery(db: Db, table: TableSchema) {
  let query = db.selectFrom(sql`${sql.id(table.name)}`.as('t')).select(table.columns.map((c) => read('t', c, c.name)))
  for (const k of table.key) query = query.orderBy(sql`${sql.id('t')}.${sql.id(table.columns[k]!.name)}`)
  return query
}

/**
 * Net changes after `since` up to `upTo`, joined to the current rows: CHANGETABLE reports
 * I, U or D per key relative to `since`; a deleted row has only its key, from CHANGETABLE.
 */
export function readChangesQuery(db: Db, table: TableSchema, since: number, upTo: number) {
  const keys = table.key.map((k) => table.columns[k]!)
  return db
    .selectFrom(sql`changetable(changes ${sql.id(table.name)}, ${since})`.as('ct'))
    .leftJoin(sql`${sql.id(table.name)}`.as('t'), (join) =>
      keys.reduce(
        (on, k) => on.on(sql`${sql.id('t')}.${sql.id(k.name)}`, '=', sql`${sql.id('ct')}.${sql.id(k.name)}`),
        join,
      ),
    )
    .select([
      sql`ct.sys_change_version`.as('__version'),
      sql`ct.sys_change_operation`.as('__operation'),
      ...keys.map((k, i) => read('ct', k, `__key_${i}`)),
      ...table.columns.map((c) => read('t', c, c.name)),
    ])
    .where(sql`ct.sys_change_version`, '<=', upTo)
    .orderBy(sql`ct.sys_change_version`)
}
