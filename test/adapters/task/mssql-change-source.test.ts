import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import {
  createDatabaseStatement,
  openMssql,
  tediousConfig,
} from '../../../src/adapters/sql/dialects/mssql/mssql-connector.ts'
import { catalogToWire, catalogType } from '../../../src/adapters/task/sources/mssql/mssql-catalog.ts'
import {
  MssqlChangeSource,
  openMssqlChangeSource,
} from '../../../src/adapters/task/sources/mssql/mssql-change-source.ts'
import type { CatalogRow } from '../../../src/adapters/task/sources/mssql/mssql-source-statements.ts'
import type { SourceChange } from '../../../src/application/task/ports/change-source.port.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import { type Recorded, recordingMssql } from '../../support/recording-mssql.ts'
import { column, schemaOf } from '../../support/schemas.ts'
import { MSSQL_URL } from '../../support/servers.ts'

const flat = (text: string) => text.replace(/\s+/g, ' ').trim()

const catalogRow = (over: Partial<CatalogRow>): CatalogRow => ({
  table_name: 'person',
  column_name: 'c',
  column_id: 1,
  type_name: 'int',
  max_length: 4,
  precision: 10,
  scale: 0,
  is_nullable: true,
  default_definition: null,
  key_ordinal: null,
  ...over,
})

describe('SQL Server change-tracking source: statements, exactly', () => {
  it('switches on database change tracking and snapshot isolation only when they are off', async () => {
    const { db, statements } = recordingMssql()
    await new MssqlChangeSource(db).enableTracking()
    expect(statements.map((s) => [flat(s.sql), s.parameters])).toEqual([
      [
        "declare @db sysname = db_name(); if not exists (select 1 from sys.change_tracking_databases where database_id = db_id()) begin declare @ct nvarchar(max) = N'alter database ' + quotename(@db) + N' set change_tracking = on (change_retention = ' + cast(@1 as nvarchar(10)) + N' days, auto_cleanup = on)'; exec (@ct); end; if (select snapshot_isolation_state from sys.databases where database_id = db_id()) = 0 begin declare @si nvarchar(max) = N'alter database ' + quotename(@db) + N' set allow_snapshot_isolation on'; exec (@si); end",
        [2],
      ],
    ])
  })

  it('enables and disables tracking per table through QUOTENAME', async () => {
    const { db, statements } = recordingMssql((q) =>
      q.sql.includes('enable change_tracking') ? [{ just_enabled: true }] : [],
    )
    const source = new MssqlChangeSource(db)
    expect(await source.trackTable('person')).toEqual({ justEnabled: true })
    await source.untrackTable('person')
    expect(statements.map((s) => [flat(s.sql), s.parameters])).toEqual([
      [
        "declare @table sysname = @1; if not exists (select 1 from sys.change_tracking_tables where object_id = object_id(quotename(@table))) begin declare @enable nvarchar(max) = N'alter table ' + quotename(@table) + N' enable change_tracking'; exec (@enable); select cast(1 as bit) as just_enabled; end else select cast(0 as bit) as just_enabled",
        ['person'],
      ],
      [
        "declare @table sysname = @1; if exists (select 1 from sys.change_tracking_tables where object_id = object_id(quotename(@table))) begin declare @disable nvarchar(max) = N'alter table ' + quotename(@table) + N' disable change_tracking'; exec (@disable); end",
        ['person'],
      ],
    ])
  })

  it('checks which tables to track in one statement a thousand tables, each name a parameter', async () => {
    const { db, statements } = recordingMssql(() => [{ name: 'note' }])
    expect(await new MssqlChangeSource(db).tablesToTrack(['person', 'note', "o'brien]"])).toEqual(['note'])
    expect(statements.map((s) => [flat(s.sql), s.parameters])).toEqual([
      [
        'select t.name from (values (@1, 0), (@2, 1), (@3, 2)) as t(name, position) where not exists (select 1 from sys.change_tracking_tables c where c.object_id = object_id(quotename(t.name))) order by t.position',
        ['person', 'note', "o'brien]"],
      ],
    ])
    const many = Array.from({ length: 2500 }, (_, i) => `t${i}`)
    const chunked = recordingMssql(() => [])
    expect(await new MssqlChangeSource(chunked.db).tablesToTrack(many)).toEqual([])
    expect(chunked.statements.map((s) => s.parameters)).toEqual([
      many.slice(0, 1000),
      many.slice(1000, 2000),
      many.slice(2000),
    ])
  })

  it('names the tables without a primary key from the catalog views', async () => {
    const { db, statements } = recordingMssql(() => [{ name: 'audit' }, { name: 'log' }])
    expect(await new MssqlChangeSource(db).keylessTables()).toEqual(['audit', 'log'])
    expect(statements.map((s) => [flat(s.sql), s.parameters])).toEqual([
      [
        'select t.name from sys.tables t where t.is_ms_shipped = 0 and t.schema_id = schema_id() and not exists (select 1 from sys.indexes i where i.object_id = t.object_id and i.is_primary_key = 1) order by t.name',
        [],
      ],
    ])
  })

  it('reads the schema from the catalog views as SuperOffice sends it: key first, types, defaults', async () => {
    const rows: CatalogRow[] = [
      catalogRow({
        column_name: 'name',
        column_id: 1,
        type_name: 'nvarchar',
        max_length: 100,
        is_nullable: false,
        default_definition: "(N'')",
      }),
      catalogRow({ column_name: 'person_id', column_id: 2, type_name: 'int', is_nullable: false, key_ordinal: 1 }),
      catalogRow({ column_name: 'memo', column_id: 3, type_name: 'nvarchar', max_length: -1 }),
      catalogRow({
        column_name: 'amount',
        column_id: 4,
        type_name: 'decimal',
        precision: 18,
        scale: 4,
        default_definition: '((0))',
      }),
      catalogRow({
        column_name: 'stamp',
        column_id: 5,
        type_name: 'datetime2',
        scale: 7,
        default_definition: '(getdate())',
      }),
      catalogRow({ column_name: 'blob', column_id: 6, type_name: 'varbinary', max_length: 16 }),
      catalogRow({ table_name: 'link', column_name: 'a', column_id: 1, key_ordinal: 2, is_nullable: false }),
      catalogRow({
        table_name: 'link',
        column_name: 'b',
        column_id: 2,
        type_name: 'nvarchar',
        max_length: -1,
        key_ordinal: 1,
        is_nullable: false,
      }),
    ]
    const { db, statements } = recordingMssql(() => rows as unknown as Record<string, unknown>[])
    const schema = await new MssqlChangeSource(db).readSchema()
    expect(flat(statements[0]!.sql)).toBe(
      'select t.name as table_name, c.name as column_name, c.column_id, type_name(c.system_type_id) as type_name, c.max_length, c.precision, c.scale, c.is_nullable, dc.definition as default_definition, ic.key_ordinal from sys.tables t join sys.columns c on c.object_id = t.object_id join sys.indexes pk on pk.object_id = t.object_id and pk.is_primary_key = 1 left join sys.index_columns ic on ic.object_id = t.object_id and ic.index_id = pk.index_id and ic.column_id = c.column_id left join sys.default_constraints dc on dc.object_id = c.default_object_id where t.is_ms_shipped = 0 and t.schema_id = schema_id() order by t.name, c.column_id',
    )
    expect(schema).toEqual([
      {
        name: 'person',
        columns: [
          column('person_id', 'int', 'false'),
          column('name', 'nvarchar(50)', 'false', "default (N'')"),
          column('memo', 'nvarchar(max)'),
          column('amount', 'decimal(18,4)', 'true', 'default ((0))'),
          column('stamp', 'datetime2(7)', 'true', 'default (getdate())'),
          column('blob', 'varbinary(16)'),
        ],
      },
      { name: 'link', columns: [column('b', 'nvarchar(450)', 'false'), column('a', 'int', 'false')] },
    ])
    expect(catalogType(catalogRow({ type_name: 'float', max_length: 8 }))).toBe('float')
    expect(() => catalogToWire([catalogRow({ type_name: 'geography' })])).toThrow(
      /person, column c: type geography cannot be mirrored/,
    )
  })

  it("reads one table's catalog inside the snapshot, the table named as a parameter", async () => {
    const rows = [
      catalogRow({ column_name: 'person_id', key_ordinal: 1, is_nullable: false }),
      catalogRow({ column_name: 'name', column_id: 2, type_name: 'nvarchar', max_length: 100 }),
    ]
    const { db, statements } = recordingMssql((q) => (q.sql.includes('sys.tables') ? rows : []) as never)
    const seen = await new MssqlChangeSource(db).snapshot((s) => s.tableSchema('person'))
    expect(seen?.name).toBe('person')
    expect(seen?.columns.map((c) => c.name)).toEqual(['person_id', 'name'])
    const catalog = statements.find((s) => s.sql.includes('sys.tables'))!
    expect(flat(catalog.sql)).toBe(
      'select t.name as table_name, c.name as column_name, c.column_id, type_name(c.system_type_id) as type_name, c.max_length, c.precision, c.scale, c.is_nullable, dc.definition as default_definition, ic.key_ordinal from sys.tables t join sys.columns c on c.object_id = t.object_id join sys.indexes pk on pk.object_id = t.object_id and pk.is_primary_key = 1 left join sys.index_columns ic on ic.object_id = t.object_id and ic.index_id = pk.index_id and ic.column_id = c.column_id left join sys.default_constraints dc on dc.object_id = c.default_object_id where t.is_ms_shipped = 0 and t.schema_id = schema_id() and t.name = @1 order by t.name, c.column_id',
    )
    expect(catalog.parameters).toEqual(['person'])
    expect(statements.map((s) => s.sql)).toEqual(['begin transaction isolation level snapshot', catalog.sql, 'commit'])
  })

  it('reads versions, counts, rows and net changes inside one SNAPSHOT transaction', async () => {
    const person = schemaOf({
      name: 'person',
      columns: [
        column('person_id', 'int', 'false'),
        column('name', 'nvarchar(50)'),
        column('born', 'datetime2(7)'),
        column('big', 'bigint'),
      ],
    })
    const answer = (q: Recorded): Record<string, unknown>[] => {
      if (q.sql.includes('current_version')) return [{ version: '120' }]
      if (q.sql.includes('min_valid_version')) return [{ version: '100' }]
      if (q.sql.startsWith('select count_big(*) as n from "person"')) return [{ n: '3' }]
      if (q.sql.includes('count_big')) return [{ n: '2' }]
      if (q.sql.includes('changetable')) {
        return [
          {
            __version: '111',
            __operation: 'U',
            __key_0: 1,
            person_id: 1,
            name: 'Ann',
            born: '2020-05-18 10:40:43.1234567',
            big: '9007199254740993',
          },
          { __version: '115', __operation: 'D', __key_0: 2, person_id: null, name: null, born: null, big: null },
        ]
      }
      return [{ person_id: 1, name: 'Ann', born: '2020-05-18 10:40:43.1234567', big: '9007199254740993' }]
    }
    const { db, statements } = recordingMssql(answer)
    const seen = await new MssqlChangeSource(db).snapshot(async (s) => {
      const rows: Row[] = []
      for await (const r of s.readRows(person)) rows.push(r)
      const changes: SourceChange[] = []
      for await (const c of s.readChanges(person, 110)) changes.push(c)
      return {
        current: await s.currentVersion(),
        min: await s.minValidVersion('person'),
        rows,
        count: await s.countRows('person'),
        changed: await s.countChanges('person', 110),
        changes,
      }
    })
    expect(seen).toEqual({
      current: 120,
      min: 100,
      rows: [[1, 'Ann', '2020-05-18 10:40:43.1234567', 9007199254740993n]],
      count: 3,
      changed: 2,
      changes: [
        { operation: 'U', version: 111, row: [1, 'Ann', '2020-05-18 10:40:43.1234567', 9007199254740993n] },
        { operation: 'D', version: 115, row: [2, null, null, null] },
      ],
    })
    expect(statements.map((s) => [s.sql, s.parameters])).toEqual([
      ['begin transaction isolation level snapshot', []],
      [
        'select "t"."person_id" as "person_id", "t"."name" as "name", convert(varchar(27), "t"."born", 121) as "born", convert(varchar(20), "t"."big") as "big" from "person" as "t" order by "t"."person_id"',
        [],
      ],
      ['select change_tracking_current_version() as version', []],
      [
        'select ct.sys_change_version as "__version", ct.sys_change_operation as "__operation", "ct"."person_id" as "__key_0", "t"."person_id" as "person_id", "t"."name" as "name", convert(varchar(27), "t"."born", 121) as "born", convert(varchar(20), "t"."big") as "big" from changetable(changes "person", @1) as "ct" left join "person" as "t" on "t"."person_id" = "ct"."person_id" where ct.sys_change_version <= @2 order by ct.sys_change_version',
        [110, 120],
      ],
      ['select change_tracking_min_valid_version(object_id(quotename(@1))) as version', ['person']],
      ['select count_big(*) as n from "person"', []],
      [
        'select count_big(*) as n from changetable(changes "person", @1) as ct\nwhere ct.sys_change_version <= @2',
        [110, 120],
      ],
      ['commit', []],
    ])
  })
})

/** Against a real SQL Server, where MIRROR_TEST_MSSQL_URL names one. */
describe.skipIf(!MSSQL_URL)('SQL Server change-tracking source on a real server', () => {
  it('reports the schema, I/U/D net changes since a version, and snapshot-consistent rows', async () => {
    const name = `tmsrc_${randomBytes(4).toString('hex')}`
    const admin = openMssql(tediousConfig(MSSQL_URL!), 1)
    await createDatabaseStatement(name).execute(admin)
    const url = new URL(MSSQL_URL!)
    url.pathname = `/${name}`
    const app = openMssql(tediousConfig(url.toString()), 1)
    const source = await openMssqlChangeSource(url.toString())
    try {
      await source.enableTracking()
      await sql`create table person (person_id int primary key, name nvarchar(50) not null default (N''), born datetime2(7))`.execute(
        app,
      )
      await sql`insert into person values (1, N'Ann', '2020-05-18 10:40:43.1234567'), (2, N'Bob', null)`.execute(app)
      expect(await source.tablesToTrack!(['person'])).toEqual(['person'])
      expect(await source.trackTable('person')).toEqual({ justEnabled: true })
      expect(await source.trackTable('person')).toEqual({ justEnabled: false })
      expect(await source.tablesToTrack!(['person'])).toEqual([])
      const [wire] = await source.readSchema()
      expect(wire).toEqual({
        name: 'person',
        columns: [
          column('person_id', 'int', 'false'),
          column('name', 'nvarchar(50)', 'false', "default (N'')"),
          column('born', 'datetime2(7)'),
        ],
      })
      const table = schemaOf(wire!)
      const since = await source.snapshot((s) => s.currentVersion())
      await sql`update person set name = N'Anne' where person_id = 1`.execute(app)
      await sql`delete from person where person_id = 2`.execute(app)
      await sql`insert into person values (3, N'Cy', null)`.execute(app)
      const changes = await source.snapshot(async (s) => {
        const out: SourceChange[] = []
        for await (const c of s.readChanges(table, since)) out.push(c)
        return out
      })
      expect(changes.map((c) => [c.operation, c.row])).toEqual([
        ['U', [1, 'Anne', '2020-05-18 10:40:43.1234567']],
        ['D', [2, null, null]],
        ['I', [3, 'Cy', null]],
      ])
    } finally {
      await source.close()
      await app.destroy()
      await sql`declare @drop nvarchar(max) = N'drop database ' + quotename(${name}); exec (@drop)`.execute(admin)
      await admin.destroy()
    }
  })
})
