import { type RawBuilder, sql } from 'kysely'
import type { FailureClass } from '../../application/ports/mirror-database.port.ts'
import type { CellValue, Row } from '../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../domain/schema/column-type.ts'
import type { AlterStep } from '../../domain/schema/schema-plan.ts'
import type { ColumnSchema, TableSchema } from '../../domain/schema/table-schema.ts'
import type { Db, DialectCapabilities, DialectName, MetadataTypes, RenderedDefault, SqlDialect } from './sql-dialect.ts'

/**
 * What the dialects have in common, written once with Kysely's builders: table and metadata
 * DDL, `insert … on conflict` upserts (SQLite and PostgreSQL; others override), deletes by
 * key and streaming reads. A dialect supplies its types, values and error rules.
 */
export abstract class KyselySqlDialect implements SqlDialect {
  abstract readonly name: DialectName
  abstract readonly capabilities: DialectCapabilities
  abstract readonly metadataTypes: MetadataTypes

  abstract renderType(type: ColumnType): string
  abstract renderDefault(column: ColumnSchema): RenderedDefault
  abstract alterTable(
    db: Db,
    from: TableSchema,
    to: TableSchema,
    steps: readonly AlterStep[],
  ): Promise<readonly string[] | undefined>
  abstract truncateTable(db: Db, table: string): Promise<void>
  abstract listTables(db: Db): Promise<readonly string[]>
  abstract toDriverValue(value: CellValue, type: ColumnType): unknown
  abstract fromDriverValue(value: unknown, type: ColumnType): CellValue
  abstract classifyError(error: unknown): FailureClass
  abstract describeError(error: unknown): string

  async ensureMetadataTable(db: Db, name: string): Promise<void> {
    const t = this.metadataTypes
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
  }

  async createTable(db: Db, table: TableSchema): Promise<readonly string[]> {
    const warnings: string[] = []
    let builder = db.schema.createTable(table.name)
    for (const column of table.columns) {
      const fallback = this.renderDefault(column)
      if (fallback.warning) warnings.push(`table ${table.name}, column ${column.name}: ${fallback.warning}`)
      builder = builder.addColumn(column.name, sql.raw(this.renderType(column.type)), (c) => {
        const required = column.nullable ? c : c.notNull()
        return fallback.sql === undefined ? required : required.defaultTo(sql.raw(fallback.sql))
      })
    }
    await builder.addPrimaryKeyConstraint(this.constraintName('pk', table.name), keyNames(table) as never).execute()
    return warnings
  }

  async dropTable(db: Db, table: string): Promise<void> {
    await db.schema.dropTable(table).ifExists().execute()
  }

  async upsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void> {
    const columns = table.columns.map((c) => sql.id(c.name))
    const keys = keyNames(table).map((k) => sql.id(k))
    const others = table.columns.filter((_, i) => !table.key.includes(i))
    const action =
      others.length === 0
        ? sql`do nothing`
        : sql`do update set ${sql.join(others.map((c) => sql`${sql.id(c.name)} = excluded.${sql.id(c.name)}`))}`
    for (const chunk of chunks(rows, this.rowsPerStatement(table.columns.length))) {
      await sql`insert into ${sql.id(table.name)} (${sql.join(columns)}) values ${this.valueList(table.columns, chunk)}
        on conflict (${sql.join(keys)}) ${action}`.execute(db)
    }
  }

  async deleteRows(db: Db, table: TableSchema, keys: readonly Row[]): Promise<void> {
    const keyColumns = table.key.map((i) => table.columns[i]!)
    for (const chunk of chunks(keys, this.rowsPerStatement(keyColumns.length))) {
      const target =
        keyColumns.length === 1
          ? sql`${sql.id(keyColumns[0]!.name)} in (${sql.join(chunk.map((k) => this.toDriverValue(k[0]!, keyColumns[0]!.type)))})`
          : sql`(${sql.join(keyColumns.map((c) => sql.id(c.name)))}) in (${this.valueList(keyColumns, chunk)})`
      await sql`delete from ${sql.id(table.name)} where ${target}`.execute(db)
    }
  }

  async *readRows(db: Db, table: TableSchema): AsyncIterable<Row> {
    let query = db.selectFrom(table.name).select(table.columns.map((c) => sql.id(c.name).as(c.name)))
    // One orderBy per key column: Kysely deprecated the array form.
    for (const key of keyNames(table)) query = query.orderBy(sql.id(key) as never)
    for await (const record of query.stream(1000)) {
      yield table.columns.map((c) => this.fromDriverValue((record as Record<string, unknown>)[c.name], c.type))
    }
  }

  /** `(?, ?), (?, ?)` with every value converted for the engine. */
  protected valueList(columns: readonly ColumnSchema[], rows: readonly Row[]): RawBuilder<unknown> {
    return sql.join(
      rows.map(
        (row) => sql`(${sql.join(columns.map((c, i) => this.bindValue(this.toDriverValue(row[i]!, c.type), c.type)))})`,
      ),
    )
  }

  /** How one value is bound; SQL Server overrides it to cast (anchors §4.5). */
  protected bindValue(value: unknown, _type: ColumnType): unknown {
    return value
  }

  protected rowsPerStatement(columns: number): number {
    return Math.max(1, Math.min(1000, Math.floor(this.capabilities.maxBindParameters / Math.max(1, columns))))
  }

  /** A constraint name within the engine's identifier limit, unique per table. */
  protected constraintName(prefix: string, table: string): string {
    const name = `${prefix}_${table}`
    if (name.length <= this.capabilities.maxIdentifierLength) return name
    let hash = 0
    for (const ch of table) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0
    const suffix = `_${(hash >>> 0).toString(36)}`
    return name.slice(0, this.capabilities.maxIdentifierLength - suffix.length) + suffix
  }
}

export function keyNames(table: TableSchema): string[] {
  return table.key.map((i) => table.columns[i]!.name)
}

export function* chunks<T>(items: readonly T[], size: number): Iterable<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}
