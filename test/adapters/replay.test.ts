import { execFile } from 'node:child_process'
import { createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseXml } from '../../src/adapters/xml/xml-tree.ts'
import { readSample, SAMPLE_CLIENT_ID, SAMPLE_FILES, samplePath } from '../support/fixtures.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname

const names = (xml: string, element: string) =>
  [...xml.matchAll(new RegExp(`<a:${element}>([^<]*)</a:${element}>`, 'g'))].map((m) => m[1])

/** The acceptance check: the captured SuperOffice traffic through `tenant-mirror replay`. */
describe('tenant-mirror replay over the captured samples', () => {
  let dir: string
  let stdout: string
  let db: Database.Database

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tm-replay-'))
    await run(process.execPath, [BIN, 'keys', 'generate', '--out', join(dir, 'keys')])
    const result = await run(process.execPath, [
      BIN,
      'replay',
      '--database',
      `sqlite:${join(dir, 'db')}`,
      '--superoffice-env',
      'development',
      '--client-id',
      SAMPLE_CLIENT_ID,
      '--private-key',
      join(dir, 'keys', 'private.pem'),
      '--out',
      join(dir, 'out'),
      ...SAMPLE_FILES.map(samplePath),
    ])
    stdout = result.stdout
    db = new Database(join(dir, 'db', 'Mirror_Cust24709.sqlite'), { readonly: true })
  }, 60_000)

  afterAll(() => {
    db?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reports every request successful, one line each', () => {
    expect(stdout.trim().split('\n')).toEqual([
      'TableSchemaRequest1.xml TableSchema Cust24709 IsSuccessful=true',
      'SampleRowDataRequest.xml RowData Cust24709 IsSuccessful=true',
      'SampleWipeRequest.xml Wipe Cust24709 IsSuccessful=true',
      'ReplicationCompletedRequest.xml ReplicationCompleted Cust24709 IsSuccessful=true',
      'SampleAuthenticateRequest.xml Authenticate Cust10003 IsSuccessful=true',
    ])
  })

  it('creates all 413 tables with the sample columns, types mapped, NOT NULL and defaults kept', () => {
    const request = readSample('TableSchemaRequest1.xml')
    const tables = names(request, 'TableName')
    expect(tables).toHaveLength(413)
    const created = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not in ('Cust24709_mirroring', 'tenant-mirror_owner') order by name",
      )
      .all()
      .map((r) => (r as { name: string }).name)
    expect(created).toEqual([...tables].sort())

    const columns = (table: string) =>
      db.prepare(`pragma table_info("${table}")`).all() as {
        name: string
        type: string
        notnull: number
        dflt_value: string | null
        pk: number
      }[]
    expect(columns('access_script')).toEqual([
      { cid: 0, name: 'id', type: 'INTEGER', notnull: 1, dflt_value: null, pk: 1 },
      { cid: 1, name: 'access_table_name', type: 'NVARCHAR(255)', notnull: 1, dflt_value: "''", pk: 0 },
      { cid: 2, name: 'body', type: 'TEXT', notnull: 0, dflt_value: null, pk: 0 },
    ])
    const invitation = columns('invitation')
    expect(invitation.map((c) => [c.name, c.type, c.notnull])).toEqual([
      ['invitation_id', 'INTEGER', 1],
      ['event_uid', 'NVARCHAR(255)', 0],
      ['event_sequence', 'INTEGER', 0],
      ['event_dtstamp', 'DATETIME', 0],
      ['appointment_id', 'INTEGER', 0],
      ['registered', 'DATETIME', 1],
      ['registered_associate_id', 'INTEGER', 1],
      ['updated', 'DATETIME', 1],
      ['updated_associate_id', 'INTEGER', 1],
      ['updatedcount', 'SMALLINT', 1],
      ['organizer_email', 'NVARCHAR(255)', 0],
      ['organizer_fullname', 'NVARCHAR(255)', 0],
      ['recurring_end_date', 'DATETIME', 0],
      ['recurring_start_date', 'DATETIME', 0],
    ])
    // Every column of every table, against the request: count, NOT NULL and defaults.
    const blocks = request.split('<a:TableSchemaInfo>').slice(1)
    let checked = 0
    for (const block of blocks) {
      const table = names(block, 'TableName').at(-1)!
      const wanted = [...block.matchAll(/<a:ColumnInfo>([\s\S]*?)<\/a:ColumnInfo>/g)].map((m) => m[1]!)
      const actual = columns(table)
      expect(actual).toHaveLength(wanted.length)
      wanted.forEach((info, i) => {
        const nullable = /<a:IsNullable>true</.test(info) && i !== 0
        expect(actual[i]!.notnull, `${table}.${actual[i]!.name}`).toBe(nullable ? 0 : 1)
        const fallback = /<a:DefaultValue>default \(\(?N?'?([^')]*)'?\)?\)<\/a:DefaultValue>/.exec(info)?.[1]
        if (fallback !== undefined) expect(actual[i]!.dflt_value?.replaceAll("'", '')).toBe(fallback)
        checked++
      })
    }
    expect(checked).toBeGreaterThan(4000)
    const types = db.prepare("select sql from sqlite_master where name = 'binaryobject'").get() as { sql: string }
    expect(types.sql).toContain('"binarydata" BLOB')
  })

  it('holds the two invitation rows with decoded values and the batch LSN', () => {
    expect(db.prepare('select * from invitation order by invitation_id').all()).toEqual([
      {
        invitation_id: 1,
        event_uid:
          '040000008200E00074C5B7101A82E00800000000DD1E2178E92CD6010000000000000000100000005315E9D8BC5F824BA6502093D637FCB2',
        event_sequence: 0,
        event_dtstamp: '2020-05-18 10:40:43.0000000',
        appointment_id: 135,
        registered: '2020-05-18 08:40:44.0000000',
        registered_associate_id: 6,
        updated: '2020-05-18 08:40:45.0000000',
        updated_associate_id: 6,
        updatedcount: 0,
        organizer_email: 'Leon.Nonnast@melchers.de',
        organizer_fullname: 'Nonnast, Leon',
        recurring_end_date: '1760-01-01 00:00:00.0000000',
        recurring_start_date: '1760-01-01 00:00:00.0000000',
      },
      {
        invitation_id: 2,
        event_uid:
          '040000008200E00074C5B7101A82E00800000000988F117FD02DD60100000000000000001000000092F615EF82CB3246A3B47744F464A3DA',
        event_sequence: 0,
        event_dtstamp: '2020-05-19 15:10:48.0000000',
        appointment_id: 137,
        registered: '2020-05-19 13:10:49.0000000',
        registered_associate_id: 6,
        updated: '2020-05-19 13:10:50.0000000',
        updated_associate_id: 6,
        updatedcount: 0,
        organizer_email: 'Dennis.Kessler@melchers.de',
        organizer_fullname: 'Kessler, Dennis',
        recurring_end_date: '1760-01-01 00:00:00.0000000',
        recurring_start_date: '1760-01-01 00:00:00.0000000',
      },
    ])
    const lsn = db.prepare(
      'select tablename, lsn from Cust24709_mirroring where tablename in (?, ?) order by tablename',
    )
    expect(lsn.all('invitation', 'projstatusgrouplink')).toEqual([
      { tablename: 'invitation', lsn: 1506269 },
      { tablename: 'projstatusgrouplink', lsn: -1 },
    ])
  })

  it('answers TableSchema with all 413 tables in request order, as the reference does', () => {
    const response = readFileSync(join(dir, 'out', 'TableSchemaRequest1.response.xml'), 'utf8')
    const order = names(response, 'TableName')
    expect(order).toEqual(names(readSample('TableSchemaRequest1.xml'), 'TableName'))
    expect(order).toEqual(names(readSample('TableSchemaResponse.xml'), 'TableName'))
    expect(new Set(names(response, 'LSN'))).toEqual(new Set(['-1']))
  })

  it('answers Authenticate in the sample element order, signed by the generated key', () => {
    const response = readFileSync(join(dir, 'out', 'SampleAuthenticateRequest.response.xml'), 'utf8')
    const children = (xml: string) =>
      parseXml(xml)
        .children.find((c) => c.name === 'Body')!
        .children[0]!.children.map((c) => c.name)
    expect(children(response)).toEqual(children(readSample('SampleAuthenticateResponse.xml')))
    const token = /<SignedApplicationToken>([^<]+)</.exec(response)![1]!
    const [nonce, stamp, signature] = token.split('.')
    expect(nonce).toBe('BDB65A558F193A8DD88E50E7416C0D86')
    expect(stamp).toBe('202109161124')
    const key = createPublicKey(readFileSync(join(dir, 'keys', 'public.pem')))
    expect(verify('sha256', Buffer.from(`${nonce}.${stamp}`), key, Buffer.from(signature!, 'base64'))).toBe(true)
  })
})
