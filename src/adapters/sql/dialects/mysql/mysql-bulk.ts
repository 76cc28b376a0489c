import { sql } from 'kysely'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import type { DriverJobs } from '../../driver-jobs.ts'
import { behindSavepoint } from '../../savepoint.ts'
import type { BulkBatch, BulkUpsert, Db } from '../../sql-dialect.ts'
import { batchText } from '../../tab-separated-spans.ts'
import { classifyMysqlError } from './mysql-errors.ts'
import { quoteMysqlIdent } from './mysql-identifier.ts'
import { LOAD_TEXT, type LoadJob } from './mysql-load.ts'
import { onDuplicateUpdate } from './mysql-upsert.ts'

/** Errors of a server or client that allows no LOCAL loads (MySQL 1148, 3948; MariaDB 4166). */
const LOAD_REFUSED = new Set([1148, 2068, 3948, 4166])
let stages = 0

/** A batch's LOAD DATA text and how many rows it holds. */
interface LoadText {
  readonly chunks: readonly Buffer[]
  readonly count: number
}

/**
 * Big batches go in as LOAD DATA LOCAL INFILE text, as postgres-bulk.ts does with COPY: when
 * their keys are most likely new (a table being loaded, a batch of inserts), straight into the
 * table behind a savepoint; otherwise, or when a key is already there (the batch came twice),
 * into a temporary table shaped like the target and then one `insert … select … on duplicate
 * key update`, inside the caller's transaction (a temporary table's create and drop commit
 * nothing). A LOCAL load reports duplicate keys and values it had to adjust as warnings, not
 * errors, so anything short of every row written with no warning gives up the load and takes
 * the multi-row upsert. Tables with binary columns always take the upsert (the load's text is
 * UTF-8), and so does everything once the server refused a LOCAL load (local_infile off), and
 * every batch that is not a first load once it refused a temporary table (no CREATE TEMPORARY
 * TABLES privilege).
 */
export function mysqlBulkUpsert(loads: DriverJobs<LoadJob>): BulkUpsert {
  let loadData = true
  let stageable = true
  /** Whether every row went in with no warning; false, too, for a load the server refused. */
  const load = async (db: Db, into: string, table: TableSchema, text: LoadText): Promise<boolean> => {
    const columns = table.columns.map((c) => quoteMysqlIdent(c.name)).join(', ')
    const job: LoadJob = {
      statement: `load data local infile 'tenant-mirror' into table ${quoteMysqlIdent(into)} character set utf8mb4 fields terminated by '\\t' escaped by '\\\\' lines terminated by '\\n' (${columns})`,
      // A copy of the list: the load empties its own, and the staged load may need the text again.
      chunks: [...text.chunks],
    }
    try {
      await loads.run(db, job)
    } catch (error) {
      // A lost connection has no savepoint to return to, and after a deadlock or lock wait the
      // upsert would fare no better: the call fails with the load's own reason, to be retried.
      if (classifyMysqlError(error) === 'transient') throw error
      if (LOAD_REFUSED.has(Number((error as { errno?: unknown }).errno))) loadData = false
      return false
    }
    return job.result?.affectedRows === text.count && job.result.warnings === 0
  }
  const staged = async (db: Db, table: TableSchema, text: LoadText): Promise<boolean> => {
    const stage = `tm_stage_${++stages}`
    try {
      await sql`create temporary table ${sql.id(stage)} like ${sql.id(table.name)}`.execute(db)
    } catch (error) {
      // A failed statement leaves MySQL's transaction as it was: the upsert can still follow.
      if (classifyMysqlError(error) === 'transient') throw error
      stageable = false
      return false
    }
    try {
      if (!(await load(db, stage, table, text))) return false
      const names = sql.join(table.columns.map((c) => sql.id(c.name)))
      await sql`insert into ${sql.id(table.name)} (${names}) select ${names} from ${sql.id(stage)}
        on duplicate key update ${onDuplicateUpdate(table)}`.execute(db)
      return true
    } finally {
      // After a lost connection there is nothing to drop; the call fails with that error, not this one.
      await sql`drop temporary table if exists ${sql.id(stage)}`.execute(db).catch(() => undefined)
    }
  }
  const upsert = async (db: Db, table: TableSchema, batch: BulkBatch) => {
    if (loadData && !table.columns.some((c) => c.type.kind === 'binary' || c.type.kind === 'image')) {
      // Built once, for the direct load and the staged one alike.
      const text: LoadText = { chunks: batchText(table, batch, LOAD_TEXT), count: batch.count }
      if (batch.freshKeys && (await behindSavepoint(db, () => load(db, table.name, table, text)))) return
      if (loadData && stageable && (await staged(db, table, text))) return
    }
    await batch.upsert(db, table, batch.rows())
  }
  return Object.assign(upsert, { textFormat: LOAD_TEXT })
}
