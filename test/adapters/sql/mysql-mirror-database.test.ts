import mysql from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import { MysqlConnector } from '../../../src/adapters/sql/dialects/mysql/mysql-connector.ts'
import { classifyMysqlError, describeMysqlError } from '../../../src/adapters/sql/dialects/mysql/mysql-errors.ts'
import { lockName } from '../../../src/adapters/sql/dialects/mysql/mysql-locks.ts'
import { mysqlMirrorSql } from '../../../src/adapters/sql/dialects/mysql/mysql-mirror-sql.ts'
import { mysqlLayout } from '../../../src/adapters/sql/dialects/mysql/mysql-types.ts'
import { KyselyMirrorDatabases } from '../../../src/adapters/sql/kysely-mirror-databases.ts'
import type { Db, SqlDialect } from '../../../src/adapters/sql/sql-dialect.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import type { TableSchema } from '../../../src/domain/schema/table-schema.ts'
import { describeMirrorDatabaseContract } from '../../contracts/mirror-database.contract.ts'
import { changes, column, createPlan, EVERY_TYPE, everyTypeRow, schemaOf } from '../../support/schemas.ts'
import { MYSQL_URL, uniqueTemplate } from '../../support/servers.ts'

const CTX = 'Cust1' as ContextId
const created: string[] = []

afterAll(async () => {
  const admin = await mysql.createConnection(MYSQL_URL)
  for (const name of created) await admin.query(`drop database if exists \`${name}\``)
  await admin.end()
})

function subject(template = uniqueTemplate('tmmy')) {
  const naming = databaseNaming(template)
  created.push(naming(CTX))
  const provider = new KyselyMirrorDatabases(mysqlMirrorSql, new MysqlConnector(MYSQL_URL, naming), {
    maxOpen: 4,
    idleMs: 60_000,
  })
  return { provider, name: naming(CTX) }
}

/** datetime2/time keep six fractional digits in MySQL (the seventh is cut). */
function storedInMysql(row: Row, table: TableSchema): Row {
  return row.map((value, i) => {
    const kind = table.columns[i]!.type.kind
    return typeof value === 'string' && (kind === 'datetime2' || kind === 'time')
      ? value.replace(/(\.\d{6})\d/, '$10')
      : value
  })
}

describeMirrorDatabaseContract('mariadb', async () => {
  const { provider, name } = subject()
  const db = await provider.forTenant(CTX)
  await db.readState()
  const side = await mysql.createConnection({ uri: MYSQL_URL, database: name })
  return {
    db,
    inspect: await provider.inspect(CTX),
    stored: storedInMysql,
    async createForeignTable(table) {
      await side.query(`create table \`${table}\` (id int primary key, note text)`)
    },
    async tableExists(table) {
      const [rows] = await side.query(
        'select 1 from information_schema.tables where table_schema = database() and table_name = ?',
        [table],
      )
      return (rows as unknown[]).length > 0
    },
    async cleanup() {
      await side.end()
      await provider.close()
    },
  }
})

describe('mariadb mirrors', () => {
  const wide = schemaOf({
    name: 'contact',
    columns: [
      column('contact_id', 'int', 'false'),
      ...Array.from({ length: 80 }, (_, i) => column(`text_${i}`, 'nvarchar(255)')),
      column('memo', 'nvarchar(4000)'),
    ],
  })

  it('writes RowData batches from the request text (the contract checks it decodes none)', async () => {
    const { provider } = subject()
    expect((await provider.forTenant(CTX)).writesInPlace).toBe(true)
    await provider.close()
  })

  it('moves the widest strings out of the row so that a SuperOffice-wide table fits, the same way every time', () => {
    const layout = mysqlLayout(wide.columns, wide.key)
    expect(layout[0]).toBe('int')
    expect(layout.at(-1)).toBe('text')
    expect(layout.filter((t) => t === 'text').length).toBeGreaterThan(1)
    expect(mysqlLayout(wide.columns, wide.key)).toEqual(layout)
  })

  it('creates and fills the wide table in a utf8mb4_bin database made on first use', async () => {
    const { provider, name } = subject()
    const db = await provider.forTenant(CTX)
    await db.applyTablePlan(createPlan(wide), 'h')
    const row: Row = [1, ...Array.from({ length: 80 }, () => 'ü'.repeat(255)), '😀'.repeat(1000)]
    await db.applyBatches([changes(wide, 5, [row])])
    const read: Row[] = []
    for await (const r of (await provider.inspect(CTX)).readRows('contact')) read.push(r)
    expect(read).toEqual([row])
    const admin = await mysql.createConnection(MYSQL_URL)
    const [rows] = await admin.query(
      'select default_collation_name as c from information_schema.schemata where schema_name = ?',
      [name],
    )
    expect((rows as { c: string }[])[0]?.c).toBe('utf8mb4_bin')
    await admin.end()
    await provider.close()
  })

  it('upserts thousands of rows in packet-sized multi-row statements', async () => {
    const { provider } = subject()
    const db = await provider.forTenant(CTX)
    const table = schemaOf({ name: 'bulk', columns: [column('id', 'int', 'false'), column('body', 'nvarchar(max)')] })
    await db.applyTablePlan(createPlan(table), 'h')
    const rows: Row[] = Array.from({ length: 3000 }, (_, i) => [i + 1, 'x'.repeat(3000)])
    await db.applyBatches([changes(table, 9, rows)])
    let count = 0
    for await (const _ of (await provider.inspect(CTX)).readRows('bulk')) count++
    expect(count).toBe(3000)
    expect((await db.readState()).tables.get('bulk')?.lsn).toBe(9)
    await provider.close()
  })

  it('loads with LOAD DATA LOCAL INFILE: straight into a table being loaded, through a temporary table otherwise', async () => {
    /** Counts the batches that went the upsert way instead of (or after) the load. */
    const counted = { upserts: 0 }
    const dialect: SqlDialect = {
      ...mysqlMirrorSql,
      dml: {
        ...mysqlMirrorSql.dml,
        async upsertRows(db: Db, table: TableSchema, rows: readonly Row[]): Promise<void> {
          counted.upserts++
          await mysqlMirrorSql.dml.upsertRows(db, table, rows)
        },
      },
    }
    const naming = databaseNaming(uniqueTemplate('tmmy'))
    created.push(naming(CTX))
    const provider = new KyselyMirrorDatabases(dialect, new MysqlConnector(MYSQL_URL, naming), {
      maxOpen: 4,
      idleMs: 60_000,
    })
    const db = await provider.forTenant(CTX)
    const table = schemaOf(EVERY_TYPE)
    await db.applyTablePlan(createPlan(table), 'h')
    // TableInfo without the binary columns, whose values a text load cannot carry.
    const BINARY = ['c_binary', 'c_varbinary', 'c_image']
    const textOnly = schemaOf({ ...EVERY_TYPE, columns: EVERY_TYPE.columns.filter((c) => !BINARY.includes(c.name)) })
    const keep = table.columns.flatMap((c, i) => (BINARY.includes(c.name) ? [] : [i]))
    const narrow = (rows: Row[]) => rows.map((row) => keep.map((i) => row[i]!))
    const stored = async () => {
      const read: Row[] = []
      for await (const row of (await provider.inspect(CTX)).readRows('every_type')) read.push(keep.map((i) => row[i]!))
      return read
    }
    // Every kind of value, with the characters the load's text format escapes.
    const batch = Array.from({ length: 400 }, (_, i) => {
      const row = [...everyTypeRow(i + 1)]
      row[21] = `tab\there\nline\\ back\r\u0000 ${i}`
      return row
    })
    await db.applyBatches([changes(textOnly, -1, narrow(batch))])
    expect(counted.upserts).toBe(0)
    expect(await stored()).toEqual(narrow(batch.map((row) => storedInMysql(row, table))))
    // The same keys again: the load writes fewer rows than it was given, so the batch is loaded
    // into a temporary table and merged from there.
    const again = batch.map((row) => [...row.slice(0, 21), `again ${row[0]}`, ...row.slice(22)])
    await db.applyBatches([changes(textOnly, -1, narrow(again))])
    expect(counted.upserts).toBe(0)
    expect(await stored()).toEqual(narrow(again.map((row) => storedInMysql(row, table))))
    // A table that is not being loaded is merged through a temporary table too, new keys and old.
    const more = Array.from({ length: 200 }, (_, i) => [...everyTypeRow(i + 301)])
    await db.applyBatches([changes(textOnly, 7, narrow([...batch.slice(0, 300), ...more]))])
    expect(counted.upserts).toBe(0)
    const merged = [...batch.slice(0, 300), ...more]
    expect(await stored()).toEqual(narrow(merged.map((row) => storedInMysql(row, table))))
    // A table with binary columns takes the multi-row upsert.
    await db.applyBatches([changes(table, 8, again)])
    expect(counted.upserts).toBe(1)
    const upserted = [...again, ...more.slice(100)]
    expect(await stored()).toEqual(narrow(upserted.map((row) => storedInMysql(row, table))))
    await provider.close()
  })

  it('upserts batches that are not a first load when the user may not create temporary tables', async () => {
    const naming = databaseNaming(uniqueTemplate('tmmy'))
    const name = naming(CTX)
    created.push(name)
    const user = `tm_notemp_${name.slice(5, 13)}`
    const admin = await mysql.createConnection(MYSQL_URL)
    try {
      await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`)
      await admin.query(`create user '${user}'@'%'`)
      await admin.query(
        `grant select, insert, update, delete, create, drop, alter, index on \`${name}\`.* to '${user}'@'%'`,
      )
      const url = new URL(MYSQL_URL)
      url.username = user
      url.pathname = `/${name}`
      const provider = new KyselyMirrorDatabases(mysqlMirrorSql, new MysqlConnector(url.toString(), naming), {
        maxOpen: 4,
        idleMs: 60_000,
      })
      try {
        const db = await provider.forTenant(CTX)
        const table = schemaOf({
          name: 'bulk',
          columns: [column('id', 'int', 'false'), column('body', 'nvarchar(50)')],
        })
        await db.applyTablePlan(createPlan(table), 'h')
        const first: Row[] = Array.from({ length: 500 }, (_, i) => [i + 1, `first ${i + 1}`])
        await db.applyBatches([changes(table, 4, first)])
        // Half the keys are there: the straight load gives up, the stage is refused, the upsert takes it.
        const second: Row[] = Array.from({ length: 500 }, (_, i) => [i + 251, `second ${i + 251}`])
        await db.applyBatches([changes(table, 5, second), changes(table, 6, second)])
        const read: Row[] = []
        for await (const row of (await provider.inspect(CTX)).readRows('bulk')) read.push(row)
        expect(read).toEqual([...first.slice(0, 250), ...second])
        expect((await db.readState()).tables.get('bulk')?.lsn).toBe(6)
      } finally {
        await provider.close()
      }
    } finally {
      await admin.query(`drop user if exists '${user}'@'%'`)
      await admin.end()
    }
  })

  it('serialises two providers on one tenant table with GET_LOCK', async () => {
    const template = uniqueTemplate('tmmy')
    const a = subject(template)
    const b = subject(template)
    const table = schemaOf({ name: 'person', columns: [column('id', 'int', 'false'), column('n', 'nvarchar(20)')] })
    const dbA = await a.provider.forTenant(CTX)
    const dbB = await b.provider.forTenant(CTX)
    await dbA.applyTablePlan(createPlan(table), 'h')
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? dbA : dbB).applyBatches(
          [
            changes(table, i + 1, [
              [1, `v${i}`],
              [i + 2, 'x'],
            ]),
          ],
          'apply',
        ),
      ),
    )
    const read: Row[] = []
    for await (const r of (await b.provider.inspect(CTX)).readRows('person')) read.push(r)
    expect(read).toHaveLength(21)
    await a.provider.close()
    await b.provider.close()
  })

  it('names long locks by hash and classifies errors without values', () => {
    expect(lockName('Cust1/person')).toBe('Cust1/person')
    expect(lockName(`Cust1/${'t'.repeat(100)}`)).toMatch(/^tm:[0-9a-f]{40}$/)
    expect(classifyMysqlError({ errno: 1213 })).toBe('transient')
    expect(classifyMysqlError({ errno: 1062 })).toBe('conflict')
    expect(classifyMysqlError({ errno: 1146 })).toBe('fatal')
    expect(
      describeMysqlError({
        code: 'ER_DUP_ENTRY',
        errno: 1062,
        sqlMessage: "Duplicate entry 'secret' for key 'PRIMARY'",
      }),
    ).toBe("ER_DUP_ENTRY 1062: Duplicate entry for key 'PRIMARY'")
  })

  it('classifies a connection the server ended as transient, with a plain reason', () => {
    expect(classifyMysqlError({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true })).toBe('transient')
    expect(classifyMysqlError({ code: 'ER_CONNECTION_KILLED', errno: 1927 })).toBe('transient')
    // What mysql2 answers a statement sent on a connection it already knows is gone: no code.
    const closed = new Error("Can't add new command when connection is in closed state")
    expect(classifyMysqlError(closed)).toBe('transient')
    expect(describeMysqlError(closed)).toBe(
      'CONNECTION_LOST: the connection to the mirror database was lost before this statement',
    )
  })
})
