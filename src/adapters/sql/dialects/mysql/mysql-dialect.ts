import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { FailureClass } from '../../../../application/ports/mirror-database.port.ts'
import type { CellValue, Row } from '../../../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { AlterStep } from '../../../../domain/schema/schema-plan.ts'
import type { ColumnSchema, TableSchema } from '../../../../domain/schema/table-schema.ts'
import { chunkedLines } from '../../chunked-lines.ts'
import { KyselySqlDialect, keyNames } from '../../kysely-sql-dialect.ts'
import type { BulkHint, Db, DialectCapabilities, MetadataTypes, RenderedDefault } from '../../sql-dialect.ts'
import { MYSQL_CAPABILITIES } from './mysql-capabilities.ts'
import { quoteMysqlIdent } from './mysql-connector.ts'
import { renderMysqlDefault } from './mysql-defaults.ts'
import { classifyMysqlError, describeMysqlError } from './mysql-errors.ts'
import { LOAD_MARKER, type LoadJob, loadJobs, loadText } from './mysql-load.ts'
import { mysqlLayout, renderMysqlType } from './mysql-types.ts'
import { fromMysqlValue, toMysqlValue } from './mysql-values.ts'

/** A multi-row statement stays well under MariaDB's default 16 MB max_allowed_packet. */
const STATEMENT_BYTES = 4 * 1024 * 1024
const LOCK_SECONDS = 60
/** Errors of a server or client that allows no LOCAL loads (MySQL 1148, 3948; MariaDB 4166). */
const LOAD_REFUSED = new Set([1148, 2068, 3948, 4166])

export class MysqlDialect extends KyselySqlDialect {
  readonly name = 'mysql'
  readonly capabilities: DialectCapabilities = MYSQL_CAPABILITIES
  readonly metadataTypes: MetadataTypes = {
    name: 'varchar(128)',
    hash: 'varchar(128)',
    lsn: 'bigint',
    flag: 'tinyint',
    document: 'longtext',
    timestamp: 'varchar(40)',
  }

  renderType(type: ColumnType): string {
    return renderMysqlType(type)
  }

  renderDefault(column: ColumnSchema): RenderedDefault {
    return renderMysqlDefault(column, renderMysqlType(column.type))
  }

  override async createTable(db: Db, table: TableSchema): Promise<readonly string[]> {
    const layout = mysqlLayout(table.columns, table.key)
    const warnings: string[] = []
    let builder = db.schema.createTable(table.name)
    table.columns.forEach((column, i) => {
      const fallback = renderMysqlDefault(column, layout[i]!)
      if (fallback.warning) warnings.push(`table ${table.name}, column ${column.name}: ${fallback.warning}`)
      builder = builder.addColumn(column.name, sql.raw(layout[i]!), (c) => {
        const required = column.nullable ? c : c.notNull()
        return fallback.sql === undefined ? required : required.defaultTo(sql.raw(fallback.sql))
      })
    })
    await builder
      .addPrimaryKeyConstraint(this.constraintName('pk', table.name), keyNames(table) as never)
      .modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin row_format=dynamic`)
      .execute()
    return warnings
  }

  /** In place when the row-size layout of the other columns stays as it was; otherwise a recreate. */
  async alterTable(db: Db, from: TableSchema, to: TableSchema, steps: readonly AlterStep[]) {
    const before = new Map(from.columns.map((c, i) => [c.name.toLowerCase(), mysqlLayout(from.columns, from.key)[i]!]))
    const after = mysqlLayout(to.columns, to.key)
    const touched = new Set(steps.map((s) => (s.kind === 'add-column' ? s.column.name : s.to.name).toLowerCase()))
    const moved = to.columns.some(
      (c, i) => !touched.has(c.name.toLowerCase()) && before.get(c.name.toLowerCase()) !== after[i],
    )
    if (moved) return undefined
    const warnings: string[] = []
    for (const step of steps) {
      const column = step.kind === 'add-column' ? step.column : step.to
      const type = after[to.columns.indexOf(column)]!
      const fallback = renderMysqlDefault(column, type)
      if (fallback.warning) warnings.push(`table ${to.name}, column ${column.name}: ${fallback.warning}`)
      const definition = sql`${sql.id(column.name)} ${sql.raw(type)}${column.nullable ? sql`` : sql` not null`}${
        fallback.sql === undefined ? sql`` : sql` default ${sql.raw(fallback.sql)}`
      }`
      await (step.kind === 'add-column'
        ? sql`alter table ${sql.id(to.name)} add column ${definition}`
        : sql`alter table ${sql.id(to.name)} modify column ${definition}`
      ).execute(db)
    }
    return warnings
  }

  /** DELETE, not TRUNCATE: TRUNCATE would commit the caller's transaction in MySQL. */
  async truncateTable(db: Db, table: string): Promise<void> {
    await db.deleteFrom(table).execute()
  }

  override async upsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void> {
    const columns = table.columns.map((c) => sql.id(c.name))
    const others = table.columns.filter((_, i) => !table.key.includes(i))
    const update = (others.length > 0 ? others : [table.columns[table.key[0]!]!]).map(
      (c) => sql`${sql.id(c.name)} = values(${sql.id(c.name)})`,
    )
    const maxRows = this.rowsPerStatement(table.columns.length)
    let chunk: Row[] = []
    let bytes = 0
    const flush = async () => {
      if (chunk.length === 0) return
      await sql`insert into ${sql.id(table.name)} (${sql.join(columns)}) values ${this.valueList(table.columns, chunk)}
        on duplicate key update ${sql.join(update)}`.execute(db)
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

  /**
   * While a table is being loaded, LOAD DATA LOCAL INFILE straight into it behind a savepoint.
   * A LOCAL load reports duplicate keys and values it had to adjust as warnings, not errors, so
   * anything short of every row written with no warning rolls back to the savepoint and takes
   * the upsert. Tables with binary columns always take the upsert (the load's text is UTF-8).
   */
  async bulkUpsertRows(db: Db, table: TableSchema, rows: readonly Row[], hint?: BulkHint): Promise<void> {
    if (
      hint?.loading &&
      this.#loadData &&
      !table.columns.some((c) => c.type.kind === 'binary' || c.type.kind === 'image')
    ) {
      await sql`savepoint tm_bulk`.execute(db)
      const loaded = await this.#load(db, table, rows).catch((error: unknown) => {
        // A lost connection has no savepoint to return to, and after a deadlock or lock wait the
        // upsert would fare no better: the call fails with the load's own reason, to be retried.
        if (classifyMysqlError(error) === 'transient') throw error
        if (LOAD_REFUSED.has(Number((error as { errno?: unknown }).errno))) this.#loadData = false
        return false
      })
      if (loaded) {
        await sql`release savepoint tm_bulk`.execute(db)
        return
      }
      await sql`rollback to savepoint tm_bulk`.execute(db)
      await sql`release savepoint tm_bulk`.execute(db)
    }
    await this.upsertRows(db, table, rows)
  }

  /** False when the server enabled no LOCAL loads (local_infile off): upserts from then on. */
  #loadData = true

  async #load(db: Db, table: TableSchema, rows: readonly Row[]): Promise<boolean> {
    const columns = table.columns.map((c) => quoteMysqlIdent(c.name)).join(', ')
    const dialect = this
    const job: LoadJob = {
      statement: `load data local infile 'tenant-mirror' into table ${quoteMysqlIdent(table.name)} character set utf8mb4 fields terminated by '\\t' escaped by '\\\\' lines terminated by '\\n' (${columns})`,
      chunks: chunkedLines(
        (function* () {
          for (const row of rows)
            yield `${table.columns.map((c, i) => loadText(dialect.toDriverValue(row[i]!, c.type))).join('\t')}\n`
        })(),
      ),
    }
    const id = loadJobs.register(job)
    try {
      await sql`${sql.raw(LOAD_MARKER)} select ${id}`.execute(db)
    } finally {
      loadJobs.forget(id)
    }
    return job.result?.affectedRows === rows.length && job.result.warnings === 0
  }

  async listTables(db: Db): Promise<readonly string[]> {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = database() and table_type = 'BASE TABLE'`.execute(db)
    return rows.map((r) => r.name)
  }

  /** GET_LOCK names are at most 64 characters; longer keys go by their SHA-1. */
  async lockKeys(db: Db, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const { rows } = await sql<{
        got: number | null
      }>`select get_lock(${lockName(key)}, ${LOCK_SECONDS}) as got`.execute(db)
      if (Number(rows[0]?.got) !== 1) {
        throw Object.assign(new Error(`table lock not granted within ${LOCK_SECONDS} s`), { errno: 1205 })
      }
    }
  }

  async unlockKeys(db: Db, keys: readonly string[]): Promise<void> {
    for (const key of [...keys].reverse()) await sql`select release_lock(${lockName(key)})`.execute(db)
  }

  toDriverValue(value: CellValue, type: ColumnType): unknown {
    return toMysqlValue(value, type)
  }

  fromDriverValue(value: unknown, type: ColumnType): CellValue {
    return fromMysqlValue(value, type)
  }

  classifyError(error: unknown): FailureClass {
    return classifyMysqlError(error)
  }

  describeError(error: unknown): string {
    return describeMysqlError(error)
  }
}

export function lockName(key: string): string {
  return key.length <= 64 ? key : `tm:${createHash('sha1').update(key).digest('hex')}`
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
