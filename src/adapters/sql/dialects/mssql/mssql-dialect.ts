import { createHash } from 'node:crypto'
import { type RawBuilder, sql } from 'kysely'
import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { CellValue, Row } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { AlterStep } from '../../../../domain/schema/schema-plan.ts'
import type { ColumnSchema, TableSchema } from '../../../../domain/schema/table-schema.ts'
import { chunks, KyselySqlDialect, keyNames } from '../../kysely-sql-dialect.ts'
import type { Db, DialectCapabilities, MetadataTypes, RenderedDefault } from '../../sql-dialect.ts'
import { BULK_MARKER, bulkJobs } from './mssql-bulk.ts'
import { MSSQL_CAPABILITIES } from './mssql-capabilities.ts'
import { renderMssqlDefault } from './mssql-defaults.ts'
import { classifyMssqlError, describeMssqlError } from './mssql-errors.ts'
import { bindExpression, readExpression, renderMssqlType } from './mssql-types.ts'
import { fromMssqlValue, toMssqlValue } from './mssql-values.ts'

const LOCK_TIMEOUT_MS = 60_000
let stages = 0

/**
 * SQL Server mirrors keep SuperOffice's own types and defaults. Every bound value is cast to
 * its column's type in the SQL (tedious would otherwise guess nvarchar, int or float), upserts
 * are MERGE … WITH (HOLDLOCK), and calls for one (tenant, table) are serialised across service
 * instances with sp_getapplock, owned by the transaction.
 */
export class MssqlDialect extends KyselySqlDialect {
  readonly name = 'mssql'
  readonly capabilities: DialectCapabilities = MSSQL_CAPABILITIES
  readonly metadataTypes: MetadataTypes = {
    name: 'nvarchar(128)',
    hash: 'varchar(128)',
    lsn: 'bigint',
    flag: 'tinyint',
    document: 'nvarchar(max)',
    timestamp: 'varchar(40)',
  }

  renderType(type: ColumnType): string {
    return renderMssqlType(type)
  }

  renderDefault(column: ColumnSchema): RenderedDefault {
    return renderMssqlDefault(column)
  }

  /** SQL Server has no CREATE TABLE IF NOT EXISTS. */
  override async ensureMetadataTable(db: Db, name: string): Promise<void> {
    const t = this.metadataTypes
    await sql`if object_id(${name}, N'U') is null create table ${sql.id(name)} (
  "tablename" ${sql.raw(t.name)} not null constraint ${sql.id(this.constraintName('pk', name))} primary key,
  "schema_hash" ${sql.raw(t.hash)} not null,
  "lsn" ${sql.raw(t.lsn)} not null,
  "created_by_mirror" ${sql.raw(t.flag)} not null,
  "schema_json" ${sql.raw(t.document)} not null,
  "updated_at" ${sql.raw(t.timestamp)} not null
)`.execute(db)
  }

  override async createTable(db: Db, table: TableSchema): Promise<readonly string[]> {
    const warnings: string[] = []
    const columns = table.columns.map((column) => {
      const { definition, warning } = this.#columnDefinition(table.name, column)
      if (warning) warnings.push(`table ${table.name}, column ${column.name}: ${warning}`)
      return definition
    })
    const key = sql`constraint ${sql.id(this.constraintName('pk', table.name))} primary key (${sql.join(
      keyNames(table).map((k) => sql.id(k)),
    )})`
    await sql`create table ${sql.id(table.name)} (${sql.join([...columns, key])})`.execute(db)
    return warnings
  }

  /** `"c" type [not] null [constraint "DF_t_c" default (…)]`: named defaults can be dropped again. */
  #columnDefinition(table: string, column: ColumnSchema): { definition: RawBuilder<unknown>; warning?: string } {
    const rendered = this.renderDefault(column)
    const fallback =
      rendered.sql === undefined
        ? sql``
        : sql` constraint ${sql.id(this.#defaultName(table, column.name))} default ${sql.raw(rendered.sql)}`
    return {
      definition: sql`${sql.id(column.name)} ${sql.raw(this.renderType(column.type))} ${sql.raw(
        column.nullable ? 'null' : 'not null',
      )}${fallback}`,
      warning: rendered.warning,
    }
  }

  #defaultName(table: string, column: string): string {
    return this.constraintName('DF', `${table}_${column}`)
  }

  /**
   * Adds columns and changes types, NULL-ability and defaults in place. A key column's type
   * cannot change under its primary key, and a NOT NULL column without a default cannot be
   * added to rows that exist: both recreate.
   */
  async alterTable(db: Db, from: TableSchema, to: TableSchema, steps: readonly AlterStep[]) {
    const keys = new Set(keyNames(from).map((k) => k.toLowerCase()))
    for (const step of steps) {
      if (step.kind === 'add-column' && !step.column.nullable && this.renderDefault(step.column).sql === undefined) {
        return undefined
      }
      if (step.kind === 'widen-column' && keys.has(step.to.name.toLowerCase())) return undefined
    }
    const warnings: string[] = []
    for (const step of steps) {
      if (step.kind === 'add-column') {
        const { definition, warning } = this.#columnDefinition(to.name, step.column)
        if (warning) warnings.push(`table ${to.name}, column ${step.column.name}: ${warning}`)
        await sql`alter table ${sql.id(to.name)} add ${definition}`.execute(db)
        continue
      }
      const column = step.to
      await dropDefaultStatement(to.name, column.name).execute(db)
      if (step.kind === 'widen-column') {
        await sql`alter table ${sql.id(to.name)} alter column ${sql.id(column.name)} ${sql.raw(
          this.renderType(column.type),
        )} ${sql.raw(column.nullable ? 'null' : 'not null')}`.execute(db)
      }
      const rendered = this.renderDefault(column)
      if (rendered.warning) warnings.push(`table ${to.name}, column ${column.name}: ${rendered.warning}`)
      if (rendered.sql !== undefined) {
        await sql`alter table ${sql.id(to.name)} add constraint ${sql.id(this.#defaultName(to.name, column.name))} default ${sql.raw(
          rendered.sql,
        )} for ${sql.id(column.name)}`.execute(db)
      }
    }
    return warnings
  }

  async truncateTable(db: Db, table: string): Promise<void> {
    await sql`truncate table ${sql.id(table)}`.execute(db)
  }

  override async upsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void> {
    for (const chunk of chunks(rows, this.rowsPerStatement(table.columns.length))) {
      await this.#merge(table, sql`(values ${this.valueList(table.columns, chunk)})`).execute(db)
    }
  }

  /** MERGE … WITH (HOLDLOCK) from a row source: insert new keys, update the rest. */
  #merge(table: TableSchema, source: RawBuilder<unknown>): RawBuilder<unknown> {
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

  /** T-SQL has no row-value IN: composite keys become ORs of ANDs. */
  override async deleteRows(db: Db, table: TableSchema, keys: readonly Row[]): Promise<void> {
    const keyColumns = table.key.map((i) => table.columns[i]!)
    for (const chunk of chunks(keys, this.rowsPerStatement(keyColumns.length))) {
      const bound = (key: Row, i: number) =>
        this.bindValue(this.toDriverValue(key[i]!, keyColumns[i]!.type), keyColumns[i]!.type)
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
  }

  override async *readRows(db: Db, table: TableSchema): AsyncIterable<Row> {
    for await (const record of readRowsStatement(db, table).stream(1000)) {
      yield table.columns.map((c) => this.fromDriverValue((record as Record<string, unknown>)[c.name], c.type))
    }
  }

  async listTables(db: Db): Promise<readonly string[]> {
    const { rows } = await sql<{ name: string }>`select name from sys.tables where schema_id = schema_id()`.execute(db)
    return rows.map((r) => r.name)
  }

  async lockKeys(db: Db, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const { rows } = await lockStatement(key).execute(db)
      const result = Number(rows[0]?.result)
      if (result < 0) {
        throw Object.assign(new Error(`sp_getapplock returned ${result} for a table lock`), {
          number: result === -1 ? 1222 : result === -3 ? 1205 : 50000,
        })
      }
    }
  }

  /**
   * Big batches: tedious bulk-loads the rows as text (and bytes) into a session temp table, and
   * one MERGE casts them into the table, all inside the caller's transaction.
   */
  async bulkUpsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void> {
    const stage = `#tm_stage_${++stages}`
    const columns = table.columns.map((c) => ({ name: c.name, binary: isBinary(c.type) }))
    await sql`create table ${sql.id(stage)} (${sql.join(
      columns.map((c) => sql`${sql.id(c.name)} ${sql.raw(c.binary ? 'varbinary(max)' : 'nvarchar(max)')} null`),
    )})`.execute(db)
    const dialect = this
    const lines = (function* () {
      for (const row of rows) {
        yield table.columns.map((c, i) => {
          const value = dialect.toDriverValue(row[i]!, c.type)
          return value === null || Buffer.isBuffer(value)
            ? value
            : typeof value === 'boolean'
              ? value
                ? '1'
                : '0'
              : String(value)
        })
      }
    })()
    const id = bulkJobs.register({ table: stage, columns, rows: lines })
    try {
      await sql`${sql.raw(BULK_MARKER)} select ${id}`.execute(db)
    } finally {
      bulkJobs.forget(id)
    }
    const cast = table.columns.map((c) => {
      const { inner, target } = bindExpression(c.type)
      const value = inner ? sql`cast(s.${sql.id(c.name)} as ${sql.raw(inner)})` : sql`s.${sql.id(c.name)}`
      return sql`cast(${value} as ${sql.raw(target)})`
    })
    await this.#merge(table, sql`(select ${sql.join(cast)} from ${sql.id(stage)} as s)`).execute(db)
    await sql`drop table ${sql.id(stage)}`.execute(db)
  }

  protected override bindValue(value: unknown, type: ColumnType): unknown {
    const { inner, target } = bindExpression(type)
    return inner
      ? sql`cast(cast(${value} as ${sql.raw(inner)}) as ${sql.raw(target)})`
      : sql`cast(${value} as ${sql.raw(target)})`
  }

  protected override rowsPerStatement(columns: number): number {
    // 2,100 parameters at most; a little room for the statement's own.
    return Math.max(1, Math.min(1000, Math.floor(2000 / Math.max(1, columns))))
  }

  toDriverValue(value: CellValue, type: ColumnType): unknown {
    return toMssqlValue(value, type)
  }

  fromDriverValue(value: unknown, type: ColumnType): CellValue {
    return fromMssqlValue(value, type)
  }

  classifyError(error: unknown): FailureClass {
    return classifyMssqlError(error)
  }

  describeError(error: unknown): string {
    return describeMssqlError(error)
  }
}

function isBinary(type: ColumnType): boolean {
  return type.kind === 'binary' || type.kind === 'image'
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

/** sp_getapplock resources are at most 255 characters; longer keys go by their SHA-1. */
export function lockResource(key: string): string {
  return key.length <= 255 ? key : `tm:${createHash('sha1').update(key).digest('hex')}`
}

export function lockStatement(key: string) {
  return sql<{ result: number }>`declare @result int;
exec @result = sp_getapplock @Resource = ${lockResource(key)}, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ${LOCK_TIMEOUT_MS};
select @result as result`
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
