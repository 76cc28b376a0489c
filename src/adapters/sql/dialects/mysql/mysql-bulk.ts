import type { Row } from '../../../../domain/changes/cell-value.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { tabSeparatedRows } from '../../chunked-lines.ts'
import type { DriverJobs } from '../../driver-jobs.ts'
import { behindSavepoint } from '../../savepoint.ts'
import type { BulkUpsert, Db } from '../../sql-dialect.ts'
import { classifyMysqlError } from './mysql-errors.ts'
import { quoteMysqlIdent } from './mysql-identifier.ts'
import { type LoadJob, loadText } from './mysql-load.ts'
import { toMysqlValue } from './mysql-values.ts'

/** Errors of a server or client that allows no LOCAL loads (MySQL 1148, 3948; MariaDB 4166). */
const LOAD_REFUSED = new Set([1148, 2068, 3948, 4166])

/**
 * While a table is being loaded, LOAD DATA LOCAL INFILE straight into it behind a savepoint.
 * A LOCAL load reports duplicate keys and values it had to adjust as warnings, not errors, so
 * anything short of every row written with no warning rolls back to the savepoint and takes
 * the upsert. Tables with binary columns always take the upsert (the load's text is UTF-8),
 * and so does everything once the server refused a LOCAL load (local_infile off).
 */
export function mysqlBulkUpsert(loads: DriverJobs<LoadJob>): BulkUpsert {
  let loadData = true
  const load = async (db: Db, table: TableSchema, rows: readonly Row[]): Promise<boolean> => {
    const columns = table.columns.map((c) => quoteMysqlIdent(c.name)).join(', ')
    const job: LoadJob = {
      statement: `load data local infile 'tenant-mirror' into table ${quoteMysqlIdent(table.name)} character set utf8mb4 fields terminated by '\\t' escaped by '\\\\' lines terminated by '\\n' (${columns})`,
      chunks: tabSeparatedRows(table, rows, (value, type) => loadText(toMysqlValue(value, type))),
    }
    await loads.run(db, job)
    return job.result?.affectedRows === rows.length && job.result.warnings === 0
  }
  return async (db, table, rows, batch) => {
    if (batch.loading && loadData && !table.columns.some((c) => c.type.kind === 'binary' || c.type.kind === 'image')) {
      const loaded = await behindSavepoint(db, () =>
        load(db, table, rows).catch((error: unknown) => {
          // A lost connection has no savepoint to return to, and after a deadlock or lock wait the
          // upsert would fare no better: the call fails with the load's own reason, to be retried.
          if (classifyMysqlError(error) === 'transient') throw error
          if (LOAD_REFUSED.has(Number((error as { errno?: unknown }).errno))) loadData = false
          return false
        }),
      )
      if (loaded) return
    }
    await batch.upsert(db, table, rows)
  }
}
