import { randomBytes } from 'node:crypto'
import { copyFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { POSTGRES_URL } from './servers.ts'

export type SourceKind = 'sqlite' | 'postgres'

/** A value as the test writes it; each driver binds it the way its engine takes it. */
export type SourceValue = string | number | bigint | boolean | Uint8Array | null

/**
 * A tenant's source database for end-to-end tests: plain SQL against SQLite or PostgreSQL,
 * plus the backup and restore that a "restored to an older version" scenario needs.
 */
export interface SourceDriver {
  readonly kind: SourceKind
  readonly url: string
  /** `?` placeholders. */
  exec(sql: string, params?: readonly SourceValue[]): Promise<void>
  /** Column types of the every-value-type table, engine spelling, key first. */
  readonly everyTypeDdl: string
  readonly types: { readonly int: string; readonly text: (n: number) => string; readonly datetime: string }
  readonly bool: (value: boolean) => SourceValue
  backup(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

const EVERY_TYPE_SQLITE = `create table every_type (
  id int primary key, c_tinyint tinyint, c_smallint smallint, c_bigint bigint, c_bit bit, c_real real,
  c_float float, c_decimal decimal(18,4), c_numeric numeric(15,0), c_money money, c_smallmoney smallmoney,
  c_datetime datetime, c_datetime2 datetime2(7), c_smalldatetime smalldatetime, c_date date, c_time time(7),
  c_dto datetimeoffset(7), c_char char(3), c_varchar varchar(20), c_nchar nchar(3), c_nvarchar nvarchar(40),
  c_nvarchar_max text, c_text ntext, c_binary binary(4), c_varbinary blob, c_guid uniqueidentifier, c_xml xml)`

const EVERY_TYPE_POSTGRES = `create table every_type (
  id integer primary key, c_tinyint smallint, c_smallint smallint, c_bigint bigint, c_bit boolean, c_real real,
  c_float double precision, c_decimal numeric(18,4), c_numeric numeric(15,0), c_money numeric(19,4),
  c_smallmoney numeric(10,4), c_datetime timestamp(3), c_datetime2 timestamp(6), c_smalldatetime timestamp(0),
  c_date date, c_time time(6), c_dto timestamptz(6), c_char char(3), c_varchar varchar(20), c_nchar char(3),
  c_nvarchar varchar(40), c_nvarchar_max text, c_text text, c_binary bytea, c_varbinary bytea, c_guid uuid,
  c_xml xml)`

/** One row of every value type, in a form both engines store without loss. */
export function everyTypeValues(id: number, bool: (v: boolean) => SourceValue): SourceValue[] {
  return [
    id,
    255,
    -32768,
    9007199254740993n,
    bool(true),
    1.5,
    -1.2345678901234568e-300,
    '12345678901234.5678',
    '123456789012345',
    '12345.6789',
    '-214748.3648',
    '2020-05-18 10:40:43.123',
    '2020-05-18 10:40:43.123456',
    '2020-05-18 10:40:00',
    '2020-05-18',
    '10:40:43.123456',
    '2020-05-18 10:40:43.123456+00:00',
    'abc',
    'plain ascii',
    'äöü',
    'Ünïcödé ✓ 😀',
    'long\ntext with <xml> & "quotes"\r\n',
    'legacy text',
    Uint8Array.from([0, 1, 254, 255]),
    Uint8Array.from({ length: 300 }, (_, i) => i % 256),
    '0E984725-C51C-4BF4-9960-E1C80E27ABA0',
    '<a b="1">x</a>',
  ]
}

export async function openSource(kind: SourceKind, dir: string): Promise<SourceDriver> {
  return kind === 'sqlite' ? sqliteSource(dir) : postgresSource()
}

function sqliteSource(dir: string): SourceDriver {
  const file = join(dir, 'source.sqlite')
  let db = new Database(file)
  db.pragma('journal_mode = WAL')
  return {
    kind: 'sqlite',
    url: `sqlite:${file}`,
    async exec(sql, params = []) {
      const bound = params.map((v) =>
        typeof v === 'boolean' ? (v ? 1 : 0) : v instanceof Uint8Array ? Buffer.from(v) : v,
      )
      if (params.length === 0) db.exec(sql)
      else db.prepare(sql).run(...bound)
    },
    everyTypeDdl: EVERY_TYPE_SQLITE,
    types: { int: 'int', text: (n) => `nvarchar(${n})`, datetime: 'datetime' },
    bool: (v) => (v ? 1 : 0),
    async backup() {
      db.pragma('wal_checkpoint(TRUNCATE)')
      copyFileSync(file, `${file}.backup`)
    },
    async restore() {
      db.close()
      rmSync(`${file}-wal`, { force: true })
      rmSync(`${file}-shm`, { force: true })
      copyFileSync(`${file}.backup`, file)
      db = new Database(file)
      db.pragma('journal_mode = WAL')
    },
    async close() {
      db.close()
    },
  }
}

async function postgresSource(): Promise<SourceDriver> {
  const name = `tm_e2e_src_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  const url = withDatabase(POSTGRES_URL, name)
  let client = new pg.Client({ connectionString: url })
  await client.connect()
  return {
    kind: 'postgres',
    url,
    async exec(sql, params = []) {
      let n = 0
      const text = sql.replace(/\?/g, () => `$${++n}`)
      const values = params.map((v) =>
        typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v) : v,
      )
      await client.query(text, values)
    },
    everyTypeDdl: EVERY_TYPE_POSTGRES,
    types: { int: 'integer', text: (n) => `varchar(${n})`, datetime: 'timestamp(3)' },
    bool: (v) => v,
    async backup() {
      await client.end()
      await admin.query(`drop database if exists ${name}_backup`)
      await admin.query(`create database ${name}_backup template ${name}`)
      client = new pg.Client({ connectionString: url })
      await client.connect()
    },
    async restore() {
      await client.end()
      await admin.query(`drop database ${name} with (force)`)
      await admin.query(`create database ${name} template ${name}_backup`)
      client = new pg.Client({ connectionString: url })
      await client.connect()
    },
    async close() {
      await client.end()
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.query(`drop database if exists ${name}_backup with (force)`)
      await admin.end()
    },
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}
