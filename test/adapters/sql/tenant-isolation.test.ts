import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { parseServiceConfig } from '../../../src/adapters/bootstrap/config.ts'
import { rawServiceOptions } from '../../../src/adapters/cli/service-options.ts'
import { parseDatabaseLocation } from '../../../src/adapters/sql/database-location.ts'
import { roomForContextId, templateProblem, tenantNameRules } from '../../../src/adapters/sql/tenant-naming.ts'
import type { MirrorAdmin } from '../../../src/application/ports/mirror-admin.port.ts'
import { authenticateCall, batch, peopleTable, rowDataCall, tableSchemaCall } from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { MYSQL_URL, POSTGRES_URL } from '../../support/servers.ts'
import { defaultServiceOptions } from '../../support/service-options.ts'
import { testService } from '../../support/test-service.ts'

const rulesOf = (url: string) => tenantNameRules(parseDatabaseLocation(url)!)!

describe('the room a database-name template leaves for context ids', () => {
  it('is the engine limit less the template, the metadata table included, at most 64', () => {
    expect(roomForContextId('Mirror_{contextId}', rulesOf(POSTGRES_URL))).toBe(53)
    expect(roomForContextId('probe_long_template_name_{contextId}', rulesOf(POSTGRES_URL))).toBe(38)
    expect(roomForContextId('Mirror_{contextId}', rulesOf(MYSQL_URL))).toBe(54)
    expect(roomForContextId('Mirror_{contextId}', rulesOf('mssql://sa:x@db/master'))).toBe(64)
    expect(roomForContextId('Mirror_{contextId}', rulesOf('sqlite:./data'))).toBe(64)
    // Bytes on PostgreSQL: a non-ASCII template takes more room than its characters.
    expect(roomForContextId('Spiegel_Ü_{contextId}', rulesOf(POSTGRES_URL))).toBe(52)
    expect(roomForContextId('{contextId}_{contextId}', rulesOf(MYSQL_URL))).toBe(31)
  })

  it('refuses at start-up a template that leaves too little room, naming the engine and its limit', () => {
    const long = 'a_template_name_that_takes_most_of_the_room_{contextId}'
    expect(templateProblem(long, rulesOf(POSTGRES_URL))).toBe(
      `--database-name '${long}' leaves room for context ids of only 19 characters (PostgreSQL keeps names of at most 63 bytes); shorten it to leave at least 20`,
    )
    const parse = (database: string, template: string, wanted?: string) =>
      parseServiceConfig(
        rawServiceOptions({
          ...defaultServiceOptions(),
          database,
          databaseName: template,
          clientId: 'app1',
          privateKey: 'key.pem',
          superofficeEnv: 'development',
          ...(wanted ? { maxContextIdLength: wanted } : {}),
        }),
      )
    expect(parse(POSTGRES_URL, long)).toMatchObject({ ok: false, error: expect.stringMatching(/only 19 characters/) })
    expect(parse(MYSQL_URL, long)).toMatchObject({ ok: true, config: { maxContextIdLength: 20 } })
    expect(parse(POSTGRES_URL, 'Mirror_{contextId}', '60')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/room for context ids of 53 characters, not the 60 of --max-context-id-length/),
    })
    expect(parse(POSTGRES_URL, 'Mirror_{contextId}')).toMatchObject({ ok: true, config: { maxContextIdLength: 53 } })
    expect(parse('memory:', long)).toMatchObject({ ok: true, config: { maxContextIdLength: 64 } })
  })
})

/** Two context ids that agree on their first 40 characters: a 63-byte cut would make them one. */
function twins(): [string, string] {
  const stem = `Cust${randomBytes(18).toString('hex')}`
  return [`${stem}Alpha`, `${stem}Bravo`]
}

const pgCreated: string[] = []
const mysqlCreated: string[] = []

afterAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  for (const name of pgCreated) await admin.query(`drop database if exists "${name}" with (force)`)
  await admin.end()
  const mysql = await createConnection({ uri: MYSQL_URL })
  for (const name of mysqlCreated) await mysql.query(`drop database if exists \`${name}\``)
  await mysql.end()
})

async function pgDatabasesLike(prefix: string): Promise<string[]> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  const { rows } = await admin.query('select datname from pg_database where datname like $1', [`${prefix}%`])
  await admin.end()
  return rows.map((r) => r.datname)
}

async function mysqlDatabasesLike(prefix: string): Promise<string[]> {
  const admin = await createConnection({ uri: MYSQL_URL })
  const [rows] = await admin.query(
    'select schema_name as name from information_schema.schemata where schema_name like ?',
    [`${prefix}%`],
  )
  await admin.end()
  return (rows as { name: string }[]).map((r) => r.name)
}

describe.each([
  { engine: 'PostgreSQL', url: POSTGRES_URL, created: pgCreated, list: pgDatabasesLike },
  { engine: 'MariaDB', url: MYSQL_URL, created: mysqlCreated, list: mysqlDatabasesLike },
])('$engine, long template', ({ url, created, list }) => {
  it('refuses calls for context ids that would not fit, with no database created, and never shares one', async () => {
    const prefix = `tmlong_${randomBytes(3).toString('hex')}_template_name_`
    const template = `${prefix}{contextId}`
    const rules = rulesOf(url)
    const longest = roomForContextId(template, rules)
    const service = await testService({
      config: { database: parseDatabaseLocation(url)!, databaseNameTemplate: template, maxContextIdLength: longest },
    })
    try {
      const [a, b] = twins()
      for (const contextId of [a, b]) {
        const reply = await post(service.app, await tableSchemaCall([peopleTable()], { contextId }))
        expect(reply.successful).toBe(false)
        expect(reply.error).toMatch(
          new RegExp(
            `context id ${contextId} has ${contextId.length} characters; this service's mirror names leave room for ${longest}`,
          ),
        )
      }
      expect(await list(prefix)).toEqual([])

      // Ids that fit get their own databases, full names, uncut.
      const fitting = [a.slice(0, longest - 1), b.slice(0, longest - 2)]
      for (const contextId of fitting) {
        created.push(`${prefix}${contextId}`)
        expect((await post(service.app, await tableSchemaCall([peopleTable()], { contextId }))).successful).toBe(true)
      }
      expect((await list(prefix)).sort()).toEqual(fitting.map((c) => `${prefix}${c}`).sort())
    } finally {
      await service.mirrors.close()
    }
  })
})

describe.each([
  { engine: 'SQLite', url: () => `sqlite:${mkdtempSync(join(tmpdir(), 'tm-owner-'))}` },
  { engine: 'PostgreSQL', url: () => POSTGRES_URL },
  { engine: 'MariaDB', url: () => MYSQL_URL },
])('$engine, two tenants mapped to one database', ({ engine, url }) => {
  it('gives the database to the first and refuses the second before it reads or writes', async () => {
    const shared = `tmshared_${randomBytes(4).toString('hex')}`
    if (engine === 'PostgreSQL') pgCreated.push(shared)
    if (engine === 'MariaDB') mysqlCreated.push(shared)
    // An integrator's hook that maps every tenant to one name: what folding case or cutting names would do.
    const admin: MirrorAdmin = { mirrorDatabaseName: () => shared }
    const location = url()
    const service = await testService({ admin, config: { database: parseDatabaseLocation(location)! } })
    try {
      const people = peopleTable()
      expect((await post(service.app, await tableSchemaCall([people], { contextId: 'CustA' }))).successful).toBe(true)
      const rows = await post(
        service.app,
        await rowDataCall([batch(people, 5, [['[I:1]', 'Ann', null]])], { contextId: 'CustA' }),
      )
      expect(rows.successful).toBe(true)

      for (const call of [
        await tableSchemaCall([people], { contextId: 'CustB' }),
        await rowDataCall([batch(people, 9, [['[I:2]', 'Bob', null]])], { contextId: 'CustB' }),
        await tableSchemaCall([people], { contextId: 'custa' }),
      ]) {
        const reply = await post(service.app, call)
        expect(reply.successful).toBe(false)
        expect(reply.error).toMatch(/belongs to tenant CustA: two tenants never share one/)
      }
      // CustA's rows are untouched and it still works.
      const mirror = await service.mirrors.forTenant('CustA' as never)
      expect(await mirror.countRows(people.name)).toBe(1)
      expect((await post(service.app, await authenticateCall({ contextId: 'CustA' }))).successful).toBe(true)
      if (engine === 'SQLite') {
        expect(readdirSync(location.slice('sqlite:'.length)).filter((f) => f.endsWith('.sqlite'))).toEqual([
          `${shared}.sqlite`,
        ])
      }
    } finally {
      await service.mirrors.close()
    }
  })
})
