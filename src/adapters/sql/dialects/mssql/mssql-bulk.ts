import { sql } from 'kysely'
import tedious from 'tedious'
import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import type { DriverJobs } from '../../driver-jobs.ts'
import type { BulkUpsert } from '../../sql-dialect.ts'
import { mergeStatement } from './mssql-dml.ts'
import { bindExpression } from './mssql-types.ts'
import { toMssqlValue } from './mssql-values.ts'

/**
 * tedious's bulk load through Kysely. Kysely runs a transaction's statements on one tedious
 * connection but only knows `execSql`, so the connections it gets recognise the marker
 * statement of the connector's jobs and run that bulk load on themselves, inside the caller's
 * transaction.
 */
export const BULK_MARKER = '/*tenant-mirror:bulk*/'

export interface BulkColumn {
  readonly name: string
  readonly binary: boolean
}

export interface BulkJob {
  readonly table: string
  readonly columns: readonly BulkColumn[]
  readonly rows: Iterable<readonly unknown[]>
}

let stages = 0

/**
 * Big batches: tedious bulk-loads the rows as text (and bytes) into a session temp table, and
 * one MERGE casts them into the table, all inside the caller's transaction.
 */
export function mssqlBulkUpsert(jobs: DriverJobs<BulkJob>): BulkUpsert {
  return async (db, table, batch) => {
    const rows = batch.rows()
    const stage = `#tm_stage_${++stages}`
    const columns = table.columns.map((c) => ({ name: c.name, binary: isBinary(c.type) }))
    await sql`create table ${sql.id(stage)} (${sql.join(
      columns.map((c) => sql`${sql.id(c.name)} ${sql.raw(c.binary ? 'varbinary(max)' : 'nvarchar(max)')} null`),
    )})`.execute(db)
    const lines = (function* () {
      for (const row of rows) {
        yield table.columns.map((c, i) => {
          const value = toMssqlValue(row[i]!, c.type)
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
    await jobs.run(db, { table: stage, columns, rows: lines })
    const cast = table.columns.map((c) => {
      const { inner, target } = bindExpression(c.type)
      const value = inner ? sql`cast(s.${sql.id(c.name)} as ${sql.raw(inner)})` : sql`s.${sql.id(c.name)}`
      return sql`cast(${value} as ${sql.raw(target)})`
    })
    await mergeStatement(table, sql`(select ${sql.join(cast)} from ${sql.id(stage)} as s)`).execute(db)
    await sql`drop table ${sql.id(stage)}`.execute(db)
  }
}

function isBinary(type: ColumnType): boolean {
  return type.kind === 'binary' || type.kind === 'image'
}

/** The parts of a tedious Connection the bulk path uses; tests pass a fake. */
export interface BulkCapable {
  execSql(request: tedious.Request): void
  newBulkLoad: tedious.Connection['newBulkLoad']
  execBulkLoad: tedious.Connection['execBulkLoad']
}

interface MarkedRequest {
  sqlTextOrProcedure?: string
  parameters: { value: unknown }[]
  callback: (error: Error | null | undefined, rowCount?: number) => void
  emit(event: 'requestCompleted'): boolean
}

/** Makes a connection run the jobs' marker statements as bulk loads; every other statement passes through. */
export function withBulkLoad<C extends BulkCapable>(connection: C, jobs: DriverJobs<BulkJob>): C {
  const execSql = connection.execSql.bind(connection)
  connection.execSql = (request: tedious.Request) => {
    const marked = request as unknown as MarkedRequest
    if (!jobs.marks(marked.sqlTextOrProcedure)) return execSql(request)
    const job = jobs.take(marked.parameters[0]?.value)
    if (!job) {
      marked.callback(new Error('bulk load job is unknown'))
      marked.emit('requestCompleted')
      return
    }
    const bulk = connection.newBulkLoad(job.table, { keepNulls: true }, (error, rowCount) => {
      marked.callback(error ?? undefined, rowCount)
      marked.emit('requestCompleted')
    })
    for (const column of job.columns) {
      bulk.addColumn(column.name, column.binary ? tedious.TYPES.VarBinary : tedious.TYPES.NVarChar, {
        nullable: true,
        length: Number.POSITIVE_INFINITY,
      })
    }
    connection.execBulkLoad(bulk, job.rows as Iterable<unknown[]>)
  }
  return connection
}
