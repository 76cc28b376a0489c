import { sql } from 'kysely'
import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { CellValue, Row } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { AlterStep } from '../../../../domain/schema/schema-plan.ts'
import type { ColumnSchema, TableSchema } from '../../../../domain/schema/table-schema.ts'
import { KyselySqlDialect } from '../../kysely-sql-dialect.ts'
import type { Db, DialectCapabilities, MetadataTypes, RenderedDefault } from '../../sql-dialect.ts'
import { needsRebuild, rebuildTable } from './sqlite-alter.ts'
import { BULK_MARKER, bulkJobs } from './sqlite-bulk.ts'
import { canAddColumn, renderSqliteDefault } from './sqlite-defaults.ts'
import { classifySqliteError, describeSqliteError } from './sqlite-errors.ts'
import { renderSqliteType } from './sqlite-types.ts'
import { fromSqliteValue, toSqliteValue } from './sqlite-values.ts'

export class SqliteDialect extends KyselySqlDialect {
  readonly name = 'sqlite'
  readonly capabilities: DialectCapabilities = {
    transactionalDdl: true,
    maxBindParameters: 32766,
    maxIdentifierLength: 1024,
    identifierUnit: 'characters',
    // One writer per file: the service process; the in-process KeyedMutex is enough.
    lockScope: 'none',
    bulkThreshold: 64,
  }
  readonly metadataTypes: MetadataTypes = {
    name: 'TEXT',
    hash: 'TEXT',
    lsn: 'INTEGER',
    flag: 'INTEGER',
    document: 'TEXT',
    timestamp: 'TEXT',
  }

  renderType(type: ColumnType): string {
    return renderSqliteType(type)
  }

  renderDefault(column: ColumnSchema): RenderedDefault {
    return renderSqliteDefault(column)
  }

  async alterTable(db: Db, from: TableSchema, to: TableSchema, steps: readonly AlterStep[]) {
    if (steps.some(needsRebuild)) return rebuildTable(db, from, to, (d, t) => this.createTable(d, t))
    const warnings: string[] = []
    for (const step of steps) {
      if (step.kind !== 'add-column') continue
      const rendered = this.renderDefault(step.column)
      if (!canAddColumn(step.column, rendered)) return rebuildTable(db, from, to, (d, t) => this.createTable(d, t))
      if (rendered.warning) warnings.push(`table ${to.name}, column ${step.column.name}: ${rendered.warning}`)
      await db.schema
        .alterTable(to.name)
        .addColumn(step.column.name, sql.raw(this.renderType(step.column.type)), (c) => {
          const required = step.column.nullable ? c : c.notNull()
          return rendered.sql === undefined ? required : required.defaultTo(sql.raw(rendered.sql))
        })
        .execute()
    }
    return warnings
  }

  async truncateTable(db: Db, table: string): Promise<void> {
    await db.deleteFrom(table).execute()
  }

  async listTables(db: Db): Promise<readonly string[]> {
    const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
    return rows.map((r) => r.name)
  }

  /** One prepared multi-row upsert, reused across batches (sqlite-bulk.ts). */
  async bulkUpsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void> {
    const quoted = table.columns.map((c) => quoteSqliteId(c.name))
    const keys = table.key.map((i) => quoted[i]!)
    const others = quoted.filter((_, i) => !table.key.includes(i))
    const action =
      others.length === 0 ? 'do nothing' : `do update set ${others.map((c) => `${c} = excluded.${c}`).join(', ')}`
    const tuple = `(${quoted.map(() => '?').join(', ')})`
    const head = `insert into ${quoteSqliteId(table.name)} (${quoted.join(', ')}) values `
    const tail = ` on conflict (${keys.join(', ')}) ${action}`
    const types = table.columns.map((c) => c.type)
    const id = bulkJobs.register({
      statementFor: (n) => head + Array.from({ length: n }, () => tuple).join(', ') + tail,
      rowsPerStatement: Math.max(1, Math.min(32, Math.floor(this.capabilities.maxBindParameters / quoted.length))),
      width: quoted.length,
      rows: (function* () {
        for (const row of rows) yield row.map((value, i) => toSqliteValue(value, types[i]!))
      })(),
    })
    try {
      await sql`${sql.raw(BULK_MARKER)} select ${id}`.execute(db)
    } finally {
      bulkJobs.forget(id)
    }
  }

  toDriverValue(value: CellValue, type: ColumnType): unknown {
    return toSqliteValue(value, type)
  }

  fromDriverValue(value: unknown, type: ColumnType): CellValue {
    return fromSqliteValue(value, type)
  }

  classifyError(error: unknown): FailureClass {
    return classifySqliteError(error)
  }

  describeError(error: unknown): string {
    return describeSqliteError(error)
  }
}

/** SQLite's identifier quoting, as Kysely's compiler does it; names were validated at the wire. */
function quoteSqliteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
