import { sql } from 'kysely'
import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { CellValue } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { AlterStep } from '../../../../domain/schema/schema-plan.ts'
import type { ColumnSchema, TableSchema } from '../../../../domain/schema/table-schema.ts'
import { KyselySqlDialect } from '../../kysely-sql-dialect.ts'
import type { Db, DialectCapabilities, MetadataTypes, RenderedDefault } from '../../sql-dialect.ts'
import { needsRebuild, rebuildTable } from './sqlite-alter.ts'
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
    bulkThreshold: Number.POSITIVE_INFINITY,
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
