import tedious from 'tedious'
import { MarkerJobs } from '../../marker-jobs.ts'

/**
 * tedious's bulk load through Kysely. Kysely runs a transaction's statements on one tedious
 * connection but only knows `execSql`, so the connections it gets recognise a marker statement
 * and run the registered bulk load on themselves, inside the caller's transaction.
 */
export const BULK_MARKER = '/*tenant-mirror:bulk*/'

export interface BulkColumn {
  readonly name: string
  readonly binary: boolean
}

interface BulkJob {
  readonly table: string
  readonly columns: readonly BulkColumn[]
  readonly rows: Iterable<readonly unknown[]>
}

export const bulkJobs = new MarkerJobs<BulkJob>()

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

/** Makes a connection run marker statements as bulk loads; every other statement passes through. */
export function withBulkLoad<C extends BulkCapable>(connection: C): C {
  const execSql = connection.execSql.bind(connection)
  connection.execSql = (request: tedious.Request) => {
    const marked = request as unknown as MarkedRequest
    if (!marked.sqlTextOrProcedure?.startsWith(BULK_MARKER)) return execSql(request)
    const id = String(marked.parameters[0]?.value)
    const job = bulkJobs.take(id)
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
