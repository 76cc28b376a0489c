import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDatabaseLocation } from '../../src/adapters/sql/database-location.ts'
import { databaseNaming } from '../../src/adapters/sql/database-naming.ts'
import { openMirrorDatabases } from '../../src/adapters/sql/mirror-databases.ts'
import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import type { Row } from '../../src/domain/changes/cell-value.ts'
import type { ContextId } from '../../src/domain/handshake/context-id.ts'
import { readSample, SAMPLE_CLIENT_ID, SAMPLE_FILES, samplePath } from '../support/fixtures.ts'
import { inspectorOf } from '../support/inspection.ts'
import { MYSQL_URL, POSTGRES_URL, uniqueTemplate } from '../support/servers.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname
const CTX = 'Cust24709' as ContextId

const SERVERS = [
  ['postgres', POSTGRES_URL],
  ['mysql', MYSQL_URL],
] as const

/** Issue 3's acceptance: SuperOffice's captured traffic replayed into each server mirror. */
describe.each(SERVERS)('tenant-mirror replay into %s', (kind, url) => {
  const template = uniqueTemplate('tmreplay')
  const name = databaseNaming(template)(CTX)
  let dir: string
  let stdout: string
  let mirrors: MirrorDatabaseProvider

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tm-replay-'))
    await run(process.execPath, [BIN, 'keys', 'generate', '--out', join(dir, 'keys')])
    const result = await run(process.execPath, [
      BIN,
      'replay',
      '--database',
      url,
      '--database-name',
      template,
      '--superoffice-env',
      'development',
      '--client-id',
      SAMPLE_CLIENT_ID,
      '--private-key',
      join(dir, 'keys', 'private.pem'),
      ...SAMPLE_FILES.map(samplePath),
    ])
    stdout = result.stdout
    mirrors = openMirrorDatabases(parseDatabaseLocation(url)!, {
      naming: databaseNaming(template),
      longestContextId: 64,
      pool: { maxOpen: 2, idleMs: 60_000 },
    })
  }, 120_000)

  afterAll(async () => {
    await mirrors?.close()
    rmSync(dir, { recursive: true, force: true })
    if (kind === 'postgres') {
      const admin = new pg.Client({ connectionString: POSTGRES_URL })
      await admin.connect()
      await admin.query(`drop database if exists "${name}" with (force)`)
      await admin.end()
    } else {
      const admin = await mysql.createConnection(MYSQL_URL)
      await admin.query(`drop database if exists \`${name}\``)
      await admin.end()
    }
  })

  it('answers every captured request successfully', () => {
    expect(stdout.trim().split('\n')).toEqual([
      'TableSchemaRequest1.xml TableSchema Cust24709 IsSuccessful=true',
      'SampleRowDataRequest.xml RowData Cust24709 IsSuccessful=true',
      'SampleWipeRequest.xml Wipe Cust24709 IsSuccessful=true',
      'ReplicationCompletedRequest.xml ReplicationCompleted Cust24709 IsSuccessful=true',
      'SampleAuthenticateRequest.xml Authenticate Cust10003 IsSuccessful=true',
    ])
  })

  it('creates all 413 tables, holds the RowData rows with their LSN, and the wipe', async () => {
    const requested = [...readSample('TableSchemaRequest1.xml').matchAll(/<a:TableName>([^<]*)<\/a:TableName>/g)].map(
      (m) => m[1]!,
    )
    const db = await mirrors.forTenant(CTX)
    const state = await db.readState()
    expect(state.tables.size).toBe(413)
    expect([...state.tables.values()].map((t) => t.table).sort()).toEqual([...new Set(requested)].sort())
    for (const table of requested) expect(state.physicalTables.has(table.toLowerCase()), table).toBe(true)
    expect(state.tables.get('invitation')?.lsn).toBe(1506269)
    expect(state.tables.get('projstatusgrouplink')?.lsn).toBe(-1)
    const rows: Row[] = []
    for await (const row of (await inspectorOf(mirrors).inspect(CTX)).readRows('invitation')) rows.push(row)
    expect(rows.map((r) => [r[0], r[2], r[3], r[5], r[9], r[10], r[13]])).toEqual([
      [
        1,
        0,
        '2020-05-18 10:40:43.0000000',
        '2020-05-18 08:40:44.0000000',
        0,
        'Leon.Nonnast@melchers.de',
        '1760-01-01 00:00:00.0000000',
      ],
      [
        2,
        0,
        '2020-05-19 15:10:48.0000000',
        '2020-05-19 13:10:49.0000000',
        0,
        'Dennis.Kessler@melchers.de',
        '1760-01-01 00:00:00.0000000',
      ],
    ])
  })
})
