import { describe, expect, it } from 'vitest'
import { BULK_MARKER, mssqlBulkUpsert } from '../../../src/adapters/sql/dialects/mssql/mssql-bulk.ts'
import { createDatabaseStatement } from '../../../src/adapters/sql/dialects/mssql/mssql-connector.ts'
import { mssqlMirrorSql } from '../../../src/adapters/sql/dialects/mssql/mssql-mirror-sql.ts'
import { DriverJobs } from '../../../src/adapters/sql/driver-jobs.ts'
import { MirrorMetadata } from '../../../src/adapters/sql/mirror-metadata.ts'
import { claimOwnership } from '../../../src/adapters/sql/mirror-owner.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { recordingMssql } from '../../support/recording-mssql.ts'
import { column, schemaOf } from '../../support/schemas.ts'

const dialect = mssqlMirrorSql
const person = schemaOf({
  name: 'person',
  columns: [
    column('person_id', 'int', 'false'),
    column('name', 'nvarchar(50)', 'false', "default (N'')"),
    column('born', 'datetime'),
    column('amount', 'money', 'true', 'default ((0))'),
  ],
})
const link = schemaOf({ name: 'link', columns: [column('a', 'int', 'false'), column('b', 'bigint', 'false')] })
const linkWithKeys = { ...link, key: [0, 1] }
const row: Row = [7, "O'Neil", '2020-05-18 10:40:43.1230000', '12.5000']

const one = (statements: { sql: string; parameters: readonly unknown[] }[]) => statements.map((s) => s.sql)

describe('SQL Server statements, exactly', () => {
  it('creates the metadata table only when it is missing', async () => {
    const { db, statements } = recordingMssql()
    await dialect.ddl.ensureMetadataTable(db, 'Cust1_mirroring')
    expect(statements).toEqual([
      {
        sql: `if object_id(@1, N'U') is null create table "Cust1_mirroring" (
  "tablename" nvarchar(128) not null constraint "pk_Cust1_mirroring" primary key,
  "schema_hash" varchar(128) not null,
  "lsn" bigint not null,
  "created_by_mirror" tinyint not null,
  "schema_json" nvarchar(max) not null,
  "updated_at" varchar(40) not null
)`,
        parameters: ['Cust1_mirroring'],
      },
    ])
  })

  it('creates a table with its types, NULL-ability, named defaults and key', async () => {
    const { db, statements } = recordingMssql()
    expect(await dialect.ddl.createTable(db, person)).toEqual([])
    expect(one(statements)).toEqual([
      'create table "person" ("person_id" int not null, "name" nvarchar(50) not null constraint "DF_person_name" default (N\'\'), "born" datetime null, "amount" money null constraint "DF_person_amount" default ((0)), constraint "pk_person" primary key ("person_id"))',
    ])
  })

  it('adds a column, and changes a type and default in place', async () => {
    const { db, statements } = recordingMssql()
    const wider = schemaOf({
      name: 'person',
      columns: [
        column('person_id', 'int', 'false'),
        column('name', 'nvarchar(80)', 'false', "default (N'?')"),
        column('born', 'datetime'),
        column('amount', 'money', 'true', 'default ((0))'),
        column('email', 'varchar(100)', 'true', "default ('x')"),
      ],
    })
    const warnings = await dialect.ddl.alterTable(db, person, wider, [
      { kind: 'widen-column', from: person.columns[1]!, to: wider.columns[1]! },
      { kind: 'add-column', column: wider.columns[4]! },
    ])
    expect(warnings).toEqual([])
    expect(statements.map((s) => [s.sql.replace(/\s+/g, ' '), s.parameters])).toEqual([
      [
        "declare @constraint sysname = (select d.name from sys.default_constraints d where d.parent_object_id = object_id(@1) and d.parent_column_id = columnproperty(object_id(@2), @3, 'ColumnId')); if @constraint is not null begin declare @drop nvarchar(max) = N'alter table ' + quotename(@4) + N' drop constraint ' + quotename(@constraint); exec (@drop); end",
        ['person', 'person', 'name', 'person'],
      ],
      ['alter table "person" alter column "name" nvarchar(80) not null', []],
      ['alter table "person" add constraint "DF_person_name" default (N\'?\') for "name"', []],
      ['alter table "person" add "email" varchar(100) null constraint "DF_person_email" default (\'x\')', []],
    ])
  })

  it('leaves to a recreate what SQL Server cannot alter: a key type, a NOT NULL column without default', async () => {
    const { db, statements } = recordingMssql()
    const bigKey = schemaOf({
      name: 'person',
      columns: [column('person_id', 'bigint', 'false'), ...person.columns.slice(1).map(toWire)],
    })
    expect(
      await dialect.ddl.alterTable(db, person, bigKey, [
        { kind: 'widen-column', from: person.columns[0]!, to: bigKey.columns[0]! },
      ]),
    ).toBeUndefined()
    const required = schemaOf({ name: 'person', columns: [...person.columns.map(toWire), column('x', 'int', 'false')] })
    expect(
      await dialect.ddl.alterTable(db, person, required, [{ kind: 'add-column', column: required.columns[4]! }]),
    ).toBeUndefined()
    expect(statements).toEqual([])
  })

  it('drops and empties tables', async () => {
    const { db, statements } = recordingMssql()
    await dialect.ddl.dropTable(db, 'person')
    await dialect.ddl.truncateTable(db, 'person')
    expect(one(statements)).toEqual(['drop table if exists "person"', 'truncate table "person"'])
  })

  it('upserts with MERGE … WITH (HOLDLOCK), every value cast to its column type', async () => {
    const { db, statements } = recordingMssql()
    await dialect.dml.upsertRows(db, person, [row, [8, 'B', null, null]])
    expect(statements).toEqual([
      {
        sql: 'merge into "person" with (holdlock) as target using (values (cast(@1 as int), cast(@2 as nvarchar(50)), cast(cast(@3 as datetime2(7)) as datetime), cast(@4 as money)), (cast(@5 as int), cast(@6 as nvarchar(50)), cast(cast(@7 as datetime2(7)) as datetime), cast(@8 as money))) as source ("person_id", "name", "born", "amount") on target."person_id" = source."person_id" when matched then update set target."name" = source."name", target."born" = source."born", target."amount" = source."amount" when not matched then insert ("person_id", "name", "born", "amount") values (source."person_id", source."name", source."born", source."amount");',
        parameters: [7, "O'Neil", '2020-05-18 10:40:43.1230000', '12.5000', 8, 'B', null, null],
      },
    ])
  })

  it('keeps each MERGE within 2,100 parameters', async () => {
    const { db, statements } = recordingMssql()
    const wide = schemaOf({
      name: 'wide',
      columns: Array.from({ length: 10 }, (_, i) => column(`c${i}`, 'int', i ? 'true' : 'false')),
    })
    await dialect.dml.upsertRows(
      db,
      wide,
      Array.from({ length: 450 }, (_, i) => Array.from({ length: 10 }, () => i)),
    )
    expect(statements.map((s) => s.parameters.length)).toEqual([2000, 2000, 500])
  })

  it('deletes by a single key and by a composite key', async () => {
    const { db, statements } = recordingMssql()
    await dialect.dml.deleteRows(db, person, [[1], [2]])
    await dialect.dml.deleteRows(db, linkWithKeys, [
      [1, 10n],
      [2, 20n],
    ])
    expect(statements).toEqual([
      { sql: 'delete from "person" where "person_id" in (cast(@1 as int), cast(@2 as int))', parameters: [1, 2] },
      {
        sql: 'delete from "link" where ("a" = cast(@1 as int) and "b" = cast(@2 as bigint)) or ("a" = cast(@3 as int) and "b" = cast(@4 as bigint))',
        parameters: [1, '10', 2, '20'],
      },
    ])
  })

  it('reads rows in key order, dates and exact numbers as their canonical text', async () => {
    const { db, statements } = recordingMssql(() => [
      { person_id: 7, name: "O'Neil", born: '2020-05-18 10:40:43.123', amount: '12.5000' },
    ])
    const rows: Row[] = []
    for await (const r of dialect.dml.readRows(db, person)) rows.push(r)
    expect(statements.map((s) => s.sql)).toEqual([
      'select "person_id" as "person_id", "name" as "name", convert(varchar(27), "born", 121) as "born", convert(varchar(50), "amount", 2) as "amount" from "person" order by "person_id"',
    ])
    expect(rows).toEqual([row])
  })

  it('lists the tables of the default schema', async () => {
    const { db, statements } = recordingMssql(() => [{ name: 'person' }])
    expect(await dialect.ddl.listTables(db)).toEqual(['person'])
    expect(one(statements)).toEqual(['select name from sys.tables where schema_id = schema_id()'])
  })

  it('lists only the tables asked for, by lower-case name, and asks nothing for none', async () => {
    const { db, statements } = recordingMssql(() => [{ name: 'Person' }])
    expect(await dialect.ddl.listTables(db, ['person', 'note'])).toEqual(['Person'])
    expect(await dialect.ddl.listTables(db, [])).toEqual([])
    expect(statements).toEqual([
      {
        sql: 'select name from sys.tables where schema_id = schema_id() and lower(name) in (@1, @2)',
        parameters: ['person', 'note'],
      },
    ])
  })

  it('takes a transaction-owned application lock per table, and fails on a timeout', async () => {
    const { db, statements } = recordingMssql(() => [{ result: 0 }])
    await dialect.locks!.lock(db, ['Cust1/person'])
    expect(statements).toEqual([
      {
        sql: `declare @result int;
exec @result = sp_getapplock @Resource = @1, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = @2;
select @result as result`,
        parameters: ['Cust1/person', 60000],
      },
    ])
    const refused = recordingMssql(() => [{ result: -1 }])
    await expect(dialect.locks!.lock(refused.db, ['Cust1/person'])).rejects.toMatchObject({ number: 1222 })
    expect(dialect.errors.classify({ number: 1222 })).toBe('transient')
  })

  it('bulk-loads big batches into a session temp table and MERGEs from it', async () => {
    const { db, statements } = recordingMssql()
    await mssqlBulkUpsert(new DriverJobs(BULK_MARKER))(db, person, {
      freshKeys: false,
      upsert: dialect.dml.upsertRows,
      count: 1,
      rows: () => [row],
      release: () => undefined,
    })
    const sqls = statements.map((s) => s.sql.replace(/tm_stage_\d+/, 'tm_stage_N'))
    expect(sqls).toEqual([
      'create table "#tm_stage_N" ("person_id" nvarchar(max) null, "name" nvarchar(max) null, "born" nvarchar(max) null, "amount" nvarchar(max) null)',
      '/*tenant-mirror:bulk*/ select @1',
      'merge into "person" with (holdlock) as target using (select cast(s."person_id" as int), cast(s."name" as nvarchar(50)), cast(cast(s."born" as datetime2(7)) as datetime), cast(s."amount" as money) from "#tm_stage_N" as s) as source ("person_id", "name", "born", "amount") on target."person_id" = source."person_id" when matched then update set target."name" = source."name", target."born" = source."born", target."amount" = source."amount" when not matched then insert ("person_id", "name", "born", "amount") values (source."person_id", source."name", source."born", source."amount");',
      'drop table "#tm_stage_N"',
    ])
  })

  it('creates a tenant database through QUOTENAME, never by splicing its name', () => {
    const { db } = recordingMssql()
    const compiled = createDatabaseStatement('Mirror_Cust1').compile(db)
    expect(compiled.sql).toBe(`declare @name sysname = @1;
if db_id(@name) is null
begin
  declare @create nvarchar(max) = N'create database ' + quotename(@name);
  exec (@create);
end`)
    expect(compiled.parameters).toEqual(['Mirror_Cust1'])
  })

  it("compiles the metadata table's statements for SQL Server", async () => {
    const { db, statements } = recordingMssql()
    const metadata = new MirrorMetadata('Cust1_mirroring')
    await metadata.readOne(db, 'Person')
    await metadata.readSome(db, ['Person', 'NOTE', 'person'])
    await metadata.setLsn(db, 'person', 42, new Date('2026-01-01T00:00:00Z'))
    await metadata.markPending(db, 'person')
    expect(statements).toEqual([
      // As spelt first (the key's index); in any case only when that found no row, as here.
      { sql: 'select * from "Cust1_mirroring" where tablename = @1', parameters: ['Person'] },
      { sql: 'select * from "Cust1_mirroring" where lower(tablename) = @1', parameters: ['person'] },
      { sql: 'select * from "Cust1_mirroring" where lower(tablename) in (@1, @2)', parameters: ['person', 'note'] },
      {
        sql: 'update "Cust1_mirroring" set "lsn" = @1, "updated_at" = @2 where tablename = @3',
        parameters: [42, '2026-01-01T00:00:00.000Z', 'person'],
      },
      {
        sql: 'update "Cust1_mirroring" set "schema_hash" = @1, "schema_json" = @2 where tablename = @3',
        parameters: ['', '', 'person'],
      },
    ])
  })
})

describe('SQL Server owner stamp, exactly', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const ensure = {
    sql: `if object_id(@1, N'U') is null create table "tenant-mirror_owner" (
  "tablename" nvarchar(128) not null constraint "pk_tenant-mirror_owner" primary key,
  "schema_hash" varchar(128) not null,
  "lsn" bigint not null,
  "created_by_mirror" tinyint not null,
  "schema_json" nvarchar(max) not null,
  "updated_at" varchar(40) not null
)`,
    parameters: ['tenant-mirror_owner'],
  }
  const read = { sql: 'select "tablename" from "tenant-mirror_owner"', parameters: [] }

  it('stamps a new tenant database with the owning context id', async () => {
    let stamped = false
    const { db, statements } = recordingMssql((q) => {
      if (q.sql.startsWith('insert')) stamped = true
      return q.sql.startsWith('select') && stamped ? [{ tablename: 'Cust1' }] : []
    })
    await claimOwnership(db, dialect, 'Cust1' as ContextId, now)
    expect(statements).toEqual([
      ensure,
      read,
      {
        sql: 'insert into "tenant-mirror_owner" ("tablename", "schema_hash", "lsn", "created_by_mirror", "schema_json", "updated_at") values (@1, @2, @3, @4, @5, @6)',
        parameters: ['Cust1', '', 0, 0, '', '2026-01-01T00:00:00.000Z'],
      },
      read,
    ])
  })

  it("refuses another id, one differing only in case too (SQL Server's usual collation), without writing", async () => {
    const { db, statements } = recordingMssql((q) => (q.sql.startsWith('select') ? [{ tablename: 'Cust1' }] : []))
    await claimOwnership(db, dialect, 'Cust1' as ContextId, now)
    await expect(claimOwnership(db, dialect, 'cust1' as ContextId, now)).rejects.toThrow(
      'the mirror database for cust1 belongs to tenant Cust1: two tenants never share one',
    )
    expect(statements).toEqual([ensure, read, ensure, read])
  })
})

function toWire(c: (typeof person.columns)[number]) {
  const original = { person_id: 'int', name: 'nvarchar(50)', born: 'datetime', amount: 'money' } as Record<
    string,
    string
  >
  return column(
    c.name,
    original[c.name]!,
    c.nullable ? 'true' : 'false',
    c.name === 'name' ? "default (N'')" : c.name === 'amount' ? 'default ((0))' : '',
  )
}
