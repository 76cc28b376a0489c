import { execFileSync } from 'node:child_process'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import Database from 'better-sqlite3'
import mysql from 'mysql2'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { renderMysqlType } from '../src/adapters/sql/dialects/mysql/mysql-types.ts'
import { renderPostgresType } from '../src/adapters/sql/dialects/postgres/postgres-types.ts'
import { buildTableSchema } from '../src/domain/schema/table-schema.ts'
import { INVITATION, sourceRows } from './bench-source.ts'
import { chunkedLines } from './chunked-lines.ts'
import { type CpuRun, cpuStopwatch, databaseProcesses } from './process-cpu.ts'

const schema = (() => {
  const built = buildTableSchema(INVITATION)
  if (!built.ok) throw new Error('invitation does not build')
  return built.value
})()

const tsv = (row: readonly (string | number | null)[]) =>
  `${row.map((v) => (v === null ? '\\N' : String(v).replace(/[\\\t\n]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n' })[c]!))).join('\t')}\n`

/** The source as tab-separated text in 64 KB chunks: a chunk per row would measure the stream, not the server. */
const tsvChunks = (source: string) =>
  chunkedLines(
    (function* () {
      for (const row of sourceRows(source)) yield tsv(row)
    })(),
  )

/**
 * Each target's own fastest way in for the rows of the source file: the baseline the project is
 * measured against. Each returns its seconds, source read included, and the CPU the bench process
 * (the loader) and the database server used meanwhile.
 */
export async function rawSqlite(file: string, source: string): Promise<CpuRun> {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(
    `create table invitation (${INVITATION.columns.map((c, i) => `"${c.name}" ${c.type}${i ? '' : ' primary key'}`).join(', ')})`,
  )
  const insert = db.prepare(`insert into invitation values (${INVITATION.columns.map(() => '?').join(', ')})`)
  const watch = cpuStopwatch()
  db.transaction(() => {
    for (const row of sourceRows(source)) insert.run(...row)
  })()
  const run = watch.stop()
  db.close()
  return run
}

export async function rawPostgres(url: string, source: string): Promise<CpuRun> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(
    `create table invitation (${schema.columns.map((c, i) => `"${c.name}" ${renderPostgresType(c.type)}${i ? '' : ' primary key'}`).join(', ')})`,
  )
  const watch = cpuStopwatch({ database: databaseProcesses('postgres') })
  const stream = client.query(copyFrom('copy invitation from stdin'))
  await pipeline(Readable.from(tsvChunks(source), { objectMode: false }), stream)
  const run = watch.stop()
  await client.end()
  return run
}

export async function rawMysql(url: string, database: string, source: string): Promise<CpuRun> {
  const connection = mysql
    .createConnection({
      uri: url,
      database,
      infileStreamFactory: () => Readable.from(tsvChunks(source), { objectMode: false }),
    })
    .promise()
  await connection.query(
    `create table invitation (${schema.columns.map((c, i) => `\`${c.name}\` ${renderMysqlType(c.type)}${i ? '' : ' primary key'}`).join(', ')}) character set utf8mb4 collate utf8mb4_bin`,
  )
  const watch = cpuStopwatch({ database: databaseProcesses('mysql') })
  await connection.query(
    "load data local infile 'bench.tsv' into table invitation fields terminated by '\\t' escaped by '\\\\' lines terminated by '\\n'",
  )
  const run = watch.stop()
  await connection.end()
  return run
}

/**
 * pgloader (Debian's package) copying the SQLite source into PostgreSQL, when it is installed. Its
 * CPU counts as the bench process's: the bench waits for it, so the kernel adds it to the bench's.
 */
export function pgloader(sqliteFile: string, url: string): CpuRun | undefined {
  try {
    execFileSync('pgloader', ['--version'], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  const watch = cpuStopwatch({ database: databaseProcesses('postgres') })
  execFileSync('pgloader', ['--quiet', `sqlite://${sqliteFile}`, url], { stdio: ['ignore', 'ignore', 'inherit'] })
  return watch.stop()
}
