import { sql } from 'kysely'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { keyNames } from '../../dialect-parts.ts'
import type { DriverJobs } from '../../driver-jobs.ts'
import { quoteIdentifier } from '../../quoted-identifier.ts'
import { behindSavepoint } from '../../savepoint.ts'
import type { BulkBatch, BulkUpsert, Db } from '../../sql-dialect.ts'
import { conflictAction } from '../../standard-dml.ts'
import { tabSeparatedBuffers } from '../../tab-separated-buffers.ts'
import { BINARY_SPANS, binaryCopySpans } from './postgres-binary.ts'
import { COPY_TEXT, type CopyJob } from './postgres-copy.ts'

const UNIQUE_VIOLATION = '23505'
let stages = 0

/**
 * Big batches. When their keys are most likely new (a table being loaded, a batch of inserts),
 * COPY straight into the table, behind a savepoint: a batch whose keys are all new (every batch
 * of a first load) costs one COPY. Otherwise, or
 * when a key is already there (the batch came twice), COPY into a temporary table shaped like
 * the target and one `insert … select … on conflict do update`, inside the caller's transaction.
 */
export function postgresBulkUpsert(copies: DriverJobs<CopyJob>): BulkUpsert {
  const copy = (db: Db, into: string, table: TableSchema, { binary, lines }: CopyData) => {
    const columns = table.columns.map((c) => quoteIdentifier(c.name)).join(', ')
    const statement = `copy ${quoteIdentifier(into)} (${columns}) from stdin${binary ? ' (format binary)' : ''}`
    // A copy of the list: the COPY empties its own, and the staged COPY may need the data again.
    return copies.run(db, { statement, lines: [...lines] })
  }
  const upsert = async (db: Db, table: TableSchema, batch: BulkBatch) => {
    // Built once, for the COPY and the staged COPY alike: nothing after needs the request's text.
    const lines = copyData(table, batch)
    batch.release()
    const loaded =
      batch.freshKeys &&
      (await behindSavepoint(db, async () => {
        try {
          await copy(db, table.name, table, lines)
          return true
        } catch (error) {
          if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error
          return false
        }
      }))
    if (loaded) return
    const stage = `tm_stage_${++stages}`
    await sql`create temp table ${sql.id(stage)} (like ${sql.id(table.name)} including defaults) on commit drop`.execute(
      db,
    )
    await copy(db, stage, table, lines)
    const names = table.columns.map((c) => sql.id(c.name))
    await sql`insert into ${sql.id(table.name)} (${sql.join(names)}) select ${sql.join(names)} from ${sql.id(stage)}
      on conflict (${sql.join(keyNames(table).map((k) => sql.id(k)))}) ${conflictAction(table)}`.execute(db)
    await sql`drop table ${sql.id(stage)}`.execute(db)
  }
  return Object.assign(upsert, { textFormat: COPY_TEXT, spans: BINARY_SPANS })
}

/** A batch's rows for COPY, in the binary format or as text. */
interface CopyData {
  readonly binary: boolean
  readonly lines: readonly Buffer[]
}

/**
 * In the binary format where the rows came in place (written while the call was decoded, or now),
 * so that the server parses no text; else as text, from the decoded rows.
 */
function copyData(table: TableSchema, batch: BulkBatch): CopyData {
  if (batch.encoded !== undefined && batch.encoded.length > 0) return { binary: true, lines: [...batch.encoded] }
  const binary = batch.inPlace && binaryCopySpans(table, batch.inPlace)
  if (binary) return { binary: true, lines: binary }
  return { binary: false, lines: tabSeparatedBuffers(table, batch.rows(), COPY_TEXT) }
}
