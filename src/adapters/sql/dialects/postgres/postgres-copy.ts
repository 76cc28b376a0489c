import { finished } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { TextFormat } from '../../tab-separated-buffers.ts'
import { toPostgresValue } from './postgres-values.ts'

/**
 * COPY through Kysely. Kysely runs every statement of a transaction on one pooled client but
 * only knows `query(text, params)`, so the pool hands out clients that recognise the marker
 * statement of the connector's jobs and run that COPY on themselves, inside the caller's
 * transaction (postgres-session.ts).
 */
export const COPY_MARKER = '/*tenant-mirror:copy*/'

/** A COPY … FROM STDIN statement with its data, in the format the statement names (text or binary). */
export interface CopyJob {
  readonly statement: string
  /**
   * Written out before the COPY starts, not generated as it goes: a generator kept the batch's
   * rows (and through them the request's text) alive past the call, as long as the stream
   * around it lived, so the collector promoted every call's data to the old generation
   * (MariaDB's and PostgreSQL's apply spent 2–3 µs a row more in the service than SQLite's).
   * Emptied once the COPY has ended, for the same reason.
   */
  readonly lines: Buffer[]
}

/**
 * Runs a job's COPY on the client, after `before` (statements held for it) in the same message:
 * pg-copy-streams reads only the COPY's own answer among them.
 */
export async function runCopy(client: pg.PoolClient, job: CopyJob | undefined, before = ''): Promise<pg.QueryResult> {
  if (!job) throw new Error('COPY job is unknown')
  const stream = client.query(copyFrom(before ? `${before};\n${job.statement}` : job.statement))
  // Written straight in, not piped from a Readable: the lines are all in memory already, and a
  // pipeline's streams cost a call about as much as its statements' round trips.
  const done = finished(stream)
  try {
    for (const line of job.lines) stream.write(line)
    stream.end()
    await done
  } finally {
    job.lines.length = 0
  }
  return { command: 'COPY', rowCount: Number(stream.rowCount ?? 0), oid: 0, fields: [], rows: [] }
}

/**
 * COPY's text format: booleans as `t`/`f`, bytea as `\x` and hex (its backslash escaped with the
 * rest), everything else as its text.
 */
export const COPY_TEXT: TextFormat = {
  escapeNul: false,
  field(value, type) {
    const v = toPostgresValue(value, type)
    if (v === null || v === undefined) return null
    if (typeof v === 'number' || typeof v === 'string') return v
    if (typeof v === 'boolean') return v ? 't' : 'f'
    if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`
    return String(v)
  },
}
