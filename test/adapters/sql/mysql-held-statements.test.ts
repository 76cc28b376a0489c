import { Kysely, MysqlDialect, sql } from 'kysely'
import mysql, { type Pool, type PoolConnection } from 'mysql2'
import { afterAll, describe, expect, it } from 'vitest'
import {
  HELD_ANSWER,
  isHeld,
  lastOf,
  withHeld,
} from '../../../src/adapters/sql/dialects/mysql/mysql-held-statements.ts'
import { LOAD_MARKER, type LoadJob, loadingPool } from '../../../src/adapters/sql/dialects/mysql/mysql-load.ts'
import { DriverJobs } from '../../../src/adapters/sql/driver-jobs.ts'
import { MYSQL_URL } from '../../support/servers.ts'

describe('isHeld', () => {
  it('holds begin and savepoints given without parameters, nothing else', () => {
    for (const text of ['begin', 'BEGIN', 'savepoint tm_bulk', 'release savepoint tm_bulk', 'Release Savepoint s1'])
      expect(isHeld(text, []), text).toBe(true)
    expect(isHeld('begin', undefined)).toBe(true)
    for (const text of ['commit', 'rollback', 'rollback to savepoint tm_bulk', 'select 1', 'begin; drop table t'])
      expect(isHeld(text, []), text).toBe(false)
    expect(isHeld('savepoint s1', ['x'])).toBe(false)
    expect(isHeld({ sql: 'begin' }, [])).toBe(false)
  })

  it('joins held statements ahead of the next and answers with its result alone', () => {
    expect(withHeld([], 'select 1')).toBe('select 1')
    expect(withHeld(['begin', 'savepoint s'], 'select ?')).toBe('begin; savepoint s; select ?')
    const rows = [{ x: 1 }]
    expect(lastOf([HELD_ANSWER, rows], 2)).toBe(rows)
    expect(lastOf(rows, 1)).toBe(rows)
  })
})

type Answer = { error?: Error; results?: unknown; fields?: unknown }

/** A pool of one connection that records what it is sent and answers from a script. */
function recordingPool(answer: (text: unknown) => Answer) {
  const sent: { text: unknown; params: unknown }[] = []
  const connection = {
    query(...args: unknown[]) {
      const [first, params] = args
      const text = typeof first === 'string' ? first : (first as { sql: string }).sql
      sent.push({ text, params: typeof args[1] === 'function' ? undefined : params })
      const callback = args.find((a) => typeof a === 'function') as ((...a: unknown[]) => void) | undefined
      const { error, results, fields } = answer(text)
      if (callback) setImmediate(() => callback(error ?? null, results, fields))
      return undefined
    },
  }
  const pool = {
    getConnection: (callback: (error: null, connection: PoolConnection) => void) =>
      callback(null, connection as unknown as PoolConnection),
  } as unknown as Pool
  const jobs = new DriverJobs<LoadJob>(LOAD_MARKER)
  const wrapped = loadingPool(pool, jobs)
  const connectionOf = () => new Promise<PoolConnection>((resolve) => wrapped.getConnection((_error, c) => resolve(c)))
  const run = (c: PoolConnection, text: string, params: unknown[] = []) =>
    new Promise<{ error: Error | null; results: unknown; fields: unknown }>((resolve) =>
      c.query(text, params, (error: Error | null, results: unknown, fields: unknown) =>
        resolve({ error, results, fields }),
      ),
    )
  return { sent, jobs, connectionOf, run }
}

describe('a loading pool holds answerless statements', () => {
  it('sends begin and savepoints with the statement after them, and gives that statement its own answer', async () => {
    const rows = [{ lsn: 7 }]
    const { sent, connectionOf, run } = recordingPool((text) =>
      String(text).includes(';') ? { results: [HELD_ANSWER, rows], fields: [undefined, ['lsn']] } : { results: rows },
    )
    const c = await connectionOf()
    const begun = await run(c, 'begin')
    expect(begun.error).toBeNull()
    expect(begun.results).toEqual(HELD_ANSWER)
    expect(sent).toEqual([])
    const read = await run(c, 'select lsn from m where t = ?', ['x'])
    expect(sent).toEqual([{ text: 'begin; select lsn from m where t = ?', params: ['x'] }])
    expect(read).toEqual({ error: null, results: rows, fields: ['lsn'] })
    await run(c, 'commit')
    expect(sent.at(-1)).toEqual({ text: 'commit', params: [] })
  })

  it('answers a held statement’s error as the next statement’s', async () => {
    const failure = Object.assign(new Error('SAVEPOINT s does not exist'), { errno: 1305 })
    const { sent, connectionOf, run } = recordingPool((text) =>
      String(text).startsWith('release') ? { error: failure } : {},
    )
    const c = await connectionOf()
    expect((await run(c, 'release savepoint s')).error).toBeNull()
    const next = await run(c, 'update m set lsn = ?', [8])
    expect(next.error).toBe(failure)
    expect(sent).toEqual([{ text: 'release savepoint s; update m set lsn = ?', params: [8] }])
  })

  it('sends a held savepoint in the message of the load after it, and reads the load’s own answer', async () => {
    const load = { affectedRows: 3, warningStatus: 0 }
    const { sent, jobs, connectionOf, run } = recordingPool(() => ({ results: [HELD_ANSWER, load] }))
    const c = await connectionOf()
    await run(c, 'savepoint tm_bulk')
    const job: LoadJob = { statement: 'load data local infile ...', chunks: [Buffer.from('1\n')] }
    const id = jobs.register(job)
    const loaded = await run(c, `${LOAD_MARKER} select ?`, [id])
    expect(loaded.error).toBeNull()
    expect(sent).toEqual([{ text: 'savepoint tm_bulk; load data local infile ...', params: undefined }])
    expect(job.result).toEqual({ affectedRows: 3, warnings: 0 })
  })

  it('sends held statements on their own ahead of a streamed query, their error kept for the next statement', async () => {
    const failure = new Error('begin failed')
    const { sent, connectionOf, run } = recordingPool((text) => (text === 'begin' ? { error: failure } : {}))
    const c = await connectionOf()
    await run(c, 'begin')
    c.query('select * from m')
    await new Promise((resolve) => setImmediate(resolve))
    expect(sent.map((s) => s.text)).toEqual(['begin', 'select * from m'])
    expect((await run(c, 'select 1')).error).toBe(failure)
    expect((await run(c, 'select 2')).error).toBeNull()
    expect(sent.map((s) => s.text)).toEqual(['begin', 'select * from m', 'select 2'])
  })
})

describe('held statements on MariaDB', () => {
  const pool = mysql.createPool({ uri: MYSQL_URL, multipleStatements: true, connectionLimit: 1 })
  const db = new Kysely<Record<string, never>>({
    dialect: new MysqlDialect({ pool: loadingPool(pool, new DriverJobs<LoadJob>(LOAD_MARKER)) }),
  })
  afterAll(() => db.destroy())

  it('keeps a transaction’s savepoints and a value that looks like SQL as they would be sent alone', async () => {
    const table = `tm_held_${process.pid}`
    await sql`create table ${sql.id(table)} (id int primary key, note varchar(100))`.execute(db)
    try {
      const sneaky = "x'); drop table t; -- \\"
      await db.transaction().execute(async (trx) => {
        await sql`insert into ${sql.id(table)} values (1, ${sneaky})`.execute(trx)
        await sql.raw('savepoint s1').execute(trx)
        await sql`insert into ${sql.id(table)} values (2, 'rolled back')`.execute(trx)
        await sql.raw('rollback to savepoint s1').execute(trx)
        await sql.raw('release savepoint s1').execute(trx)
        // Held, so it answers at once; its error is the next statement's.
        await sql.raw('release savepoint nosuch').execute(trx)
        await expect(sql`select 1`.execute(trx)).rejects.toThrow(/nosuch/i)
      })
      const { rows } = await sql<{ id: number; note: string }>`select id, note from ${sql.id(table)}`.execute(db)
      expect(rows).toEqual([{ id: 1, note: sneaky }])
    } finally {
      await sql`drop table ${sql.id(table)}`.execute(db)
    }
  })
})
