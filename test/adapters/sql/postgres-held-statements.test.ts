import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import { afterAll, describe, expect, it } from 'vitest'
import { COPY_MARKER, type CopyJob } from '../../../src/adapters/sql/dialects/postgres/postgres-copy.ts'
import {
  HELD_MARKER,
  inlineParameters,
  isHeld,
} from '../../../src/adapters/sql/dialects/postgres/postgres-held-statements.ts'
import { postgresMirrorSql } from '../../../src/adapters/sql/dialects/postgres/postgres-mirror-sql.ts'
import { sessionPool } from '../../../src/adapters/sql/dialects/postgres/postgres-session.ts'
import { DriverJobs } from '../../../src/adapters/sql/driver-jobs.ts'
import { POSTGRES_URL } from '../../support/servers.ts'

describe('inlineParameters', () => {
  it('writes each $n as an untyped literal, quoted identifiers left as they are', () => {
    expect(
      inlineParameters('update "a$1""b" set "lsn" = $1, "at" = $2 where lower(tablename) = $3 and x = $1', [
        42,
        '2026-12-07T04:00:00.000Z',
        "o'brien",
      ]),
    ).toBe(
      `update "a$1""b" set "lsn" = '42', "at" = '2026-12-07T04:00:00.000Z' where lower(tablename) = 'o''brien' and x = '42'`,
    )
    expect(inlineParameters('select $1, $2, $3, $10', [null, true, 12n, 1, 2, 3, 4, 5, 6, 'ten'])).toBe(
      `select NULL, 'true', '12', 'ten'`,
    )
    expect(inlineParameters('select $1', ['a\\b'])).toBe(`select  E'a\\\\b'`)
  })

  it('refuses what it could misread or cannot carry', () => {
    expect(inlineParameters("select $1, 'x'", [1])).toBeUndefined()
    expect(inlineParameters('select $1 -- $1', [1])).toBeUndefined()
    expect(inlineParameters('select /* $1 */ $1', [1])).toBeUndefined()
    expect(inlineParameters('select $$x$$', [])).toBeUndefined()
    expect(inlineParameters('select $2', [1])).toBeUndefined()
    expect(inlineParameters('select $0', [1])).toBeUndefined()
    expect(inlineParameters('select "unclosed $1', [1])).toBeUndefined()
    expect(inlineParameters('select $1', ['nul\u0000'])).toBeUndefined()
    expect(inlineParameters('select $1', [Buffer.from('x')])).toBeUndefined()
    expect(inlineParameters('select $1', [new Date(0)])).toBeUndefined()
    expect(inlineParameters('select $1', [{ a: 1 }])).toBeUndefined()
    expect(inlineParameters('select $1', ['x'.repeat(20_000)])).toBeUndefined()
  })

  it('holds only statements that answer nothing, and marked ones, without parameters', () => {
    expect(isHeld('begin', [])).toBe(true)
    expect(isHeld('savepoint tm_bulk', undefined)).toBe(true)
    expect(isHeld('release savepoint tm_bulk', [])).toBe(true)
    expect(isHeld(`${HELD_MARKER}select pg_advisory_xact_lock(1)`, [])).toBe(true)
    expect(isHeld(`${HELD_MARKER}select $1`, [1])).toBe(false)
    expect(isHeld('rollback to savepoint tm_bulk', [])).toBe(false)
    expect(isHeld('commit', [])).toBe(false)
    expect(isHeld('select 1', [])).toBe(false)
  })
})

describe('a PostgreSQL session that holds statements', () => {
  const raw = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
  const jobs = new DriverJobs<CopyJob>(COPY_MARKER)
  const pool = sessionPool(raw, jobs)
  afterAll(() => raw.end())

  /** Round trips of the clients checked out from now on: each ends with one ReadyForQuery. */
  function roundTrips(): () => number {
    let n = 0
    const count = () => n++
    raw.on('acquire', (client) => {
      const connection = (client as unknown as { connection: pg.Connection }).connection
      if (!connection.listeners('readyForQuery').includes(count)) connection.on('readyForQuery', count)
    })
    return () => n
  }

  it('sends a transaction of a RowData call in four round trips, with every answer as before', async () => {
    const trips = roundTrips()
    const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) })
    const answers = await db.transaction().execute(async (trx) => {
      await postgresMirrorSql.locks!.lock(trx, ["Cust1:o'table"])
      const stamp = await sql<{ v: string }>`select ${"a'b\\c"}::text as v`.execute(trx)
      await sql`savepoint tm_bulk`.execute(trx)
      const copied = await sql<{ n: number }>`select 2 as n`.execute(trx)
      await sql`release savepoint tm_bulk`.execute(trx)
      const locks = await sql<{ n: string }>`select count(*) as n from pg_locks
          where locktype = 'advisory' and pid = pg_backend_pid() and granted`.execute(trx)
      return { stamp: stamp.rows, copied: copied.rows, locks: locks.rows }
    })
    expect(answers).toEqual({ stamp: [{ v: "a'b\\c" }], copied: [{ n: 2 }], locks: [{ n: '1' }] })
    expect(trips()).toBe(4)
  })

  it('gives a held statement its error with the next answer', async () => {
    const client = await pool.connect()
    try {
      await expect(client.query('savepoint tm_bulk')).resolves.toMatchObject({ command: 'SAVEPOINT', rows: [] })
      await expect(client.query('select 1 as one')).rejects.toThrow(/SAVEPOINT can only be used in transaction blocks/)
      await expect(client.query('select 1 as one')).resolves.toMatchObject({ rows: [{ one: 1 }] })
    } finally {
      client.release()
    }
  })

  it('sends what is held first on its own when a parameter cannot go inline', async () => {
    const trips = roundTrips()
    const client = await pool.connect()
    try {
      await client.query('begin')
      const { rows } = await client.query('select $1::bytea as b, $2::text as t', [Buffer.from([0, 1, 2]), 'nul'])
      expect(rows).toEqual([{ b: Buffer.from([0, 1, 2]), t: 'nul' }])
      const inside = await client.query(
        'select xact_start < statement_timestamp() as inside from pg_stat_activity where pid = pg_backend_pid()',
      )
      await client.query('commit')
      expect(inside.rows).toEqual([{ inside: true }])
      expect(trips()).toBe(4)
    } finally {
      client.release()
    }
  })

  it('drops what is still held when the client goes back to the pool: it was never sent', async () => {
    const first = await pool.connect()
    const pid = (await first.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid
    await first.query('begin')
    first.release()
    const again = await pool.connect()
    try {
      expect((await again.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid).toBe(pid)
      await again.query('select pg_sleep(0.01)')
      const { rows } = await again.query<{ own: boolean }>(
        'select xact_start = statement_timestamp() as own from pg_stat_activity where pid = pg_backend_pid()',
      )
      expect(rows).toEqual([{ own: true }])
    } finally {
      again.release()
    }
  })

  it('sends what is held before a cursor, which is answered at once', async () => {
    const client = await pool.connect()
    try {
      await client.query('begin')
      const cursor = client.query(new Cursor('select n from generate_series(1, 3) n'))
      expect(await cursor.read(10)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
      await cursor.close()
      const { rows } = await client.query<{ inside: boolean }>(
        'select xact_start < statement_timestamp() as inside from pg_stat_activity where pid = pg_backend_pid()',
      )
      await client.query('commit')
      expect(rows).toEqual([{ inside: true }])
    } finally {
      client.release()
    }
  })
})
