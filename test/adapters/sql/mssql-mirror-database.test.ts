import { EventEmitter } from 'node:events'
import { sql } from 'kysely'
import type tedious from 'tedious'
import { describe, expect, it } from 'vitest'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import { BULK_MARKER, type BulkJob, withBulkLoad } from '../../../src/adapters/sql/dialects/mssql/mssql-bulk.ts'
import { MssqlConnector, openMssql, tediousConfig } from '../../../src/adapters/sql/dialects/mssql/mssql-connector.ts'
import { classifyMssqlError, describeMssqlError } from '../../../src/adapters/sql/dialects/mssql/mssql-errors.ts'
import { lockResource } from '../../../src/adapters/sql/dialects/mssql/mssql-locks.ts'
import { mssqlMirrorSql } from '../../../src/adapters/sql/dialects/mssql/mssql-mirror-sql.ts'
import {
  bindExpression,
  readExpression,
  renderMssqlType,
} from '../../../src/adapters/sql/dialects/mssql/mssql-types.ts'
import { fromMssqlValue, toMssqlValue } from '../../../src/adapters/sql/dialects/mssql/mssql-values.ts'
import { DriverJobs } from '../../../src/adapters/sql/driver-jobs.ts'
import { KyselyMirrorDatabases } from '../../../src/adapters/sql/kysely-mirror-databases.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { describeMirrorDatabaseContract } from '../../contracts/mirror-database.contract.ts'
import { EVERY_TYPE, everyTypeRow, schemaOf } from '../../support/schemas.ts'
import { MSSQL_URL, uniqueTemplate } from '../../support/servers.ts'

const every = schemaOf(EVERY_TYPE)

describe('SQL Server type mapping', () => {
  it('keeps every SQL Server type of wire-profile §3 as it is, with how it is bound and read', () => {
    const table = every.columns.map((c) => {
      const read = readExpression(c.type)
      const bind = bindExpression(c.type)
      return [
        c.name,
        renderMssqlType(c.type),
        bind.inner ? `cast(cast(@p as ${bind.inner}) as ${bind.target})` : `cast(@p as ${bind.target})`,
        read ? `convert(${read.convert}, col${read.style === undefined ? '' : `, ${read.style}`})` : 'col',
      ]
    })
    expect(table).toEqual([
      ['id', 'int', 'cast(@p as int)', 'col'],
      ['c_tinyint', 'tinyint', 'cast(@p as tinyint)', 'col'],
      ['c_smallint', 'smallint', 'cast(@p as smallint)', 'col'],
      ['c_bigint', 'bigint', 'cast(@p as bigint)', 'convert(varchar(20), col)'],
      ['c_bit', 'bit', 'cast(@p as bit)', 'col'],
      ['c_real', 'real', 'cast(@p as real)', 'col'],
      ['c_float', 'float', 'cast(@p as float)', 'col'],
      ['c_decimal', 'decimal(18,4)', 'cast(@p as decimal(18,4))', 'convert(varchar(50), col)'],
      ['c_numeric', 'numeric(38,0)', 'cast(@p as numeric(38,0))', 'convert(varchar(50), col)'],
      ['c_money', 'money', 'cast(@p as money)', 'convert(varchar(50), col, 2)'],
      ['c_smallmoney', 'smallmoney', 'cast(@p as smallmoney)', 'convert(varchar(50), col, 2)'],
      ['c_datetime', 'datetime', 'cast(cast(@p as datetime2(7)) as datetime)', 'convert(varchar(27), col, 121)'],
      ['c_datetime2', 'datetime2(7)', 'cast(@p as datetime2(7))', 'convert(varchar(27), col, 121)'],
      [
        'c_smalldatetime',
        'smalldatetime',
        'cast(cast(@p as datetime2(7)) as smalldatetime)',
        'convert(varchar(27), col, 121)',
      ],
      ['c_date', 'date', 'cast(@p as date)', 'convert(varchar(10), col, 23)'],
      ['c_time', 'time(7)', 'cast(@p as time(7))', 'convert(varchar(16), col)'],
      ['c_dto', 'datetimeoffset(7)', 'cast(@p as datetimeoffset(7))', 'convert(varchar(34), col, 121)'],
      ['c_char', 'char(3)', 'cast(@p as char(3))', 'col'],
      ['c_varchar', 'varchar(20)', 'cast(@p as varchar(20))', 'col'],
      ['c_nchar', 'nchar(3)', 'cast(@p as nchar(3))', 'col'],
      ['c_nvarchar', 'nvarchar(50)', 'cast(@p as nvarchar(50))', 'col'],
      ['c_nvarchar_max', 'nvarchar(max)', 'cast(@p as nvarchar(max))', 'col'],
      ['c_text', 'text', 'cast(@p as text)', 'col'],
      ['c_ntext', 'ntext', 'cast(@p as ntext)', 'col'],
      ['c_binary', 'binary(4)', 'cast(@p as binary(4))', 'col'],
      ['c_varbinary', 'varbinary(max)', 'cast(@p as varbinary(max))', 'col'],
      ['c_image', 'image', 'cast(@p as image)', 'col'],
      ['c_guid', 'uniqueidentifier', 'cast(@p as uniqueidentifier)', 'convert(varchar(36), col)'],
      ['c_xml', 'xml', 'cast(@p as xml)', 'col'],
    ])
  })

  it('turns what tedious returns for those reads back into the canonical values', () => {
    const full = everyTypeRow(1)
    const returned: unknown[] = every.columns.map((c, i) => {
      const v = toMssqlValue(full[i]!, c.type)
      switch (c.type.kind) {
        case 'datetime':
          // Style 121 writes datetime with milliseconds, smalldatetime with .000.
          return c.name === 'c_datetime' ? '2020-05-18 10:40:43.003' : '2079-06-06 23:59:00.000'
        case 'datetimeoffset':
          return '2020-05-18 10:40:43.1234567 +02:00'
        case 'uniqueidentifier':
          return String(v).toLowerCase()
        default:
          return v
      }
    })
    expect(every.columns.map((c, i) => fromMssqlValue(returned[i], c.type))).toEqual(full)
  })
})

describe('SQL Server bulk load through Kysely', () => {
  it('runs a marker statement as a bulk load on the same connection and passes others on', () => {
    const executed: string[] = []
    const loads: { table: string; columns: unknown[]; rows: unknown[] }[] = []
    const jobs = new DriverJobs<BulkJob>(BULK_MARKER)
    const connection = withBulkLoad(
      {
        execSql(request: tedious.Request) {
          executed.push((request as unknown as { sqlTextOrProcedure: string }).sqlTextOrProcedure)
        },
        newBulkLoad: ((table: string, _options: unknown, callback: (e: Error | undefined, n: number) => void) => {
          const load = {
            table,
            columns: [] as unknown[],
            rows: [] as unknown[],
            callback,
            addColumn: (name: string) => load.columns.push(name),
          }
          loads.push(load)
          return load
        }) as never,
        execBulkLoad: ((
          load: { rows: unknown[]; callback: (e: Error | undefined, n: number) => void },
          rows: Iterable<unknown>,
        ) => {
          load.rows.push(...rows)
          load.callback(undefined, load.rows.length)
        }) as never,
      },
      jobs,
    )
    const id = jobs.register({
      table: '#stage',
      columns: [
        { name: 'a', binary: false },
        { name: 'b', binary: true },
      ],
      rows: [['1', null]],
    })
    const request = Object.assign(new EventEmitter(), {
      sqlTextOrProcedure: `${BULK_MARKER} select @1`,
      parameters: [{ value: id }],
      results: [] as unknown[],
      callback(error: unknown, count: number) {
        request.results.push([error, count])
      },
    })
    let completed = false
    request.on('requestCompleted', () => {
      completed = true
    })
    connection.execSql(request as unknown as tedious.Request)
    connection.execSql({ sqlTextOrProcedure: 'select 1', parameters: [] } as unknown as tedious.Request)
    expect(loads.map((l) => [l.table, l.columns, l.rows])).toEqual([['#stage', ['a', 'b'], [['1', null]]]])
    expect(request.results).toEqual([[undefined, 1]])
    expect(completed).toBe(true)
    expect(executed).toEqual(['select 1'])
  })
})

describe('SQL Server connections and errors', () => {
  it('reads mssql:// URLs into tedious settings', () => {
    const config = tediousConfig(
      'mssql://sa:p%40ss@db.example:14330/master?encrypt=false&trustServerCertificate=true',
      'Mirror_Cust1',
    )
    expect(config).toMatchObject({
      server: 'db.example',
      authentication: { type: 'default', options: { userName: 'sa', password: 'p@ss' } },
      options: { port: 14330, database: 'Mirror_Cust1', encrypt: false, trustServerCertificate: true },
    })
  })

  it('classifies errors and never repeats the values SQL Server quotes', () => {
    expect(classifyMssqlError({ number: 1205 })).toBe('transient')
    expect(classifyMssqlError({ code: 'ESOCKET' })).toBe('transient')
    expect(classifyMssqlError({ number: 40613 })).toBe('transient')
    expect(classifyMssqlError({ number: 2627 })).toBe('conflict')
    expect(classifyMssqlError({ number: 208 })).toBe('fatal')
    expect(
      describeMssqlError({
        number: 2627,
        message:
          "Violation of PRIMARY KEY constraint 'pk_person'. Cannot insert duplicate key in object 'dbo.person'. The duplicate key value is (secret).",
      }),
    ).toBe(
      "Msg 2627: Violation of PRIMARY KEY constraint 'pk_person'. Cannot insert duplicate key in object 'dbo.person'. The duplicate key value is not shown.",
    )
    expect(
      describeMssqlError({
        number: 245,
        message: "Conversion failed when converting the varchar value 'secret' to data type int.",
      }),
    ).toBe('Msg 245: Conversion failed when converting a varchar value to data type int.')
  })

  it('names long application locks by hash', () => {
    expect(lockResource('Cust1/person')).toBe('Cust1/person')
    expect(lockResource(`Cust1/${'x'.repeat(300)}`)).toMatch(/^tm:[0-9a-f]{40}$/)
  })
})

/** The contract against a real SQL Server, where MIRROR_TEST_MSSQL_URL names one. */
describe.skipIf(!MSSQL_URL)('SQL Server mirrors on a real server', () => {
  const CTX = 'Cust1' as ContextId
  describeMirrorDatabaseContract('mssql', async () => {
    const template = uniqueTemplate('tmms')
    const name = databaseNaming(template)(CTX)
    const provider = new KyselyMirrorDatabases(
      mssqlMirrorSql,
      new MssqlConnector(MSSQL_URL!, databaseNaming(template)),
      {
        maxOpen: 2,
        idleMs: 60_000,
      },
    )
    const db = await provider.forTenant(CTX)
    await db.readState()
    const side = openMssql(tediousConfig(MSSQL_URL!, name), 1)
    return {
      db,
      inspect: await provider.inspect(CTX),
      async createForeignTable(table) {
        await sql`create table ${sql.id(table)} (id int primary key, note nvarchar(max))`.execute(side)
      },
      async tableExists(table) {
        const { rows } = await sql`select 1 as x from sys.tables where name = ${table}`.execute(side)
        return rows.length > 0
      },
      async cleanup() {
        await side.destroy()
        await provider.close()
        const admin = openMssql(tediousConfig(MSSQL_URL!), 1)
        await sql`declare @drop nvarchar(max) = N'drop database ' + quotename(${name}); exec (@drop)`.execute(admin)
        await admin.destroy()
      },
    }
  })
})
