import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { parseServiceConfig } from '../../../src/adapters/bootstrap/config.ts'
import { rawServiceOptions } from '../../../src/adapters/cli/service-options.ts'
import { parseDatabaseLocation, type TenantLayout } from '../../../src/adapters/sql/database-location.ts'
import { OWNER_TABLE } from '../../../src/adapters/sql/mirror-owner.ts'
import type { ResolveConnection } from '../../../src/adapters/sql/routed-mirror-databases.ts'
import { roomForContextId, templateProblem, tenantNameRules } from '../../../src/adapters/sql/tenant-naming.ts'
import { authenticateCall, batch, peopleTable, rowDataCall, tableSchemaCall } from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { MYSQL_URL, POSTGRES_URL } from '../../support/servers.ts'
import { defaultServiceOptions } from '../../support/service-options.ts'
import { testService } from '../../support/test-service.ts'

const rulesOf = (url: string) => tenantNameRules(parseDatabaseLocation(url)!)!

describe('the room a database-name template leaves for context ids', () => {
  const parse = (database: string, template: string, wanted?: string, tenantLayout: TenantLayout = 'database') =>
    parseServiceConfig(
      rawServiceOptions({
        ...defaultServiceOptions(),
        database,
        tenantLayout,
        databaseName: template,
        clientId: 'app1',
        privateKey: 'key.pem',
        superofficeEnv: 'development',
        ...(wanted ? { maxContextIdLength: wanted } : {}),
      }),
    )

  it('is the engine limit less the template, the metadata table included, at most 64', () => {
    expect(roomForContextId('Mirror_{contextId}', rulesOf(POSTGRES_URL))).toBe(53)
    expect(roomForContextId('probe_long_template_name_{contextId}', rulesOf(POSTGRES_URL))).toBe(38)
    expect(roomForContextId('Mirror_{contextId}', rulesOf(MYSQL_URL))).toBe(54)
    expect(roomForContextId('Mirror_{contextId}', rulesOf('mssql://sa:x@db/master'))).toBe(64)
    expect(roomForContextId('Mirror_{contextId}', rulesOf('sqlite:./data'))).toBe(64)
    // Bytes on PostgreSQL: a non-ASCII template takes more room than its characters (and is
    // refused at start-up anyway, below: names are plain).
    expect(roomForContextId('Spiegel_Ü_{contextId}', rulesOf(POSTGRES_URL))).toBe(52)
    expect(roomForContextId('{contextId}_{contextId}', rulesOf(MYSQL_URL))).toBe(31)
  })

  it('refuses at start-up a template that leaves too little room, naming the engine and its limit', () => {
    const long = 'a_template_name_that_takes_most_of_the_room_{contextId}'
    expect(templateProblem(long, rulesOf(POSTGRES_URL))).toBe(
      `--database-name '${long}' leaves room for context ids of only 19 characters (PostgreSQL keeps names of at most 63 bytes); shorten it to leave at least 20`,
    )
    expect(parse(POSTGRES_URL, long)).toMatchObject({ ok: false, error: expect.stringMatching(/only 19 characters/) })
    expect(parse(MYSQL_URL, long)).toMatchObject({ ok: true, config: { maxContextIdLength: 20 } })
    expect(parse(POSTGRES_URL, 'Mirror_{contextId}', '60')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/room for context ids of 53 characters, not the 60 of --max-context-id-length/),
    })
    expect(parse(POSTGRES_URL, 'Mirror_{contextId}')).toMatchObject({ ok: true, config: { maxContextIdLength: 53 } })
    expect(parse('memory:', long)).toMatchObject({ ok: true, config: { maxContextIdLength: 64 } })
    expect(parse(POSTGRES_URL, long, undefined, 'schema')).toMatchObject({ ok: false })

    const mysqlLong = `${'m'.repeat(50)}_{contextId}`
    expect(parse(MYSQL_URL, mysqlLong)).toEqual({
      ok: false,
      error: `--database-name '${mysqlLong}' leaves room for context ids of only 13 characters (MySQL/MariaDB keeps names of at most 64 characters); shorten it to leave at least 20`,
    })
    expect(parse(MYSQL_URL, mysqlLong, '13')).toMatchObject({ ok: true, config: { maxContextIdLength: 13 } })
    // SQLite files could take 248 bytes, but every mirror name is a plain name of 128 at most.
    const sqliteLong = `${'s'.repeat(110)}_{contextId}`
    expect(parse('sqlite:./data', sqliteLong)).toEqual({
      ok: false,
      error: `--database-name '${sqliteLong}' leaves room for context ids of only 17 characters (SQLite (file names), where mirror database names are at most 128 characters); shorten it to leave at least 20`,
    })
    expect(parse('sqlite:./data', 'Mirror_{contextId}')).toMatchObject({ ok: true, config: { maxContextIdLength: 64 } })
  })

  it('refuses at start-up a template whose names every call would refuse', () => {
    expect(parse(POSTGRES_URL, 'Spiegel_Ü_{contextId}')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/does not make plain names/),
    })
    expect(parse(MYSQL_URL, '-{contextId}')).toMatchObject({ ok: false, error: expect.stringMatching(/plain names/) })
  })

  it('reads the setting from MIRROR_MAX_CONTEXT_ID_LENGTH too', () => {
    vi.stubEnv('MIRROR_MAX_CONTEXT_ID_LENGTH', '30')
    try {
      expect(defaultServiceOptions().maxContextIdLength).toBe('30')
    } finally {
      vi.unstubAllEnvs()
    }
  })
})

/** Two context ids that agree on their first 40 characters: a 63-byte cut would make them one. */
function twins(): [string, string] {
  const stem = `Cust${randomBytes(18).toString('hex')}`
  return [`${stem}Alpha`, `${stem}Bravo`]
}

const pgCreated: string[] = []
const pgSchemasCreated: string[] = []
const mysqlCreated: string[] = []

afterAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  for (const name of pgCreated) await admin.query(`drop database if exists "${name}" with (force)`)
  for (const name of pgSchemasCreated) await admin.query(`drop schema if exists "${name}" cascade`)
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

async function pgSchemasLike(prefix: string): Promise<string[]> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  const { rows } = await admin.query(
    'select schema_name as name from information_schema.schemata where schema_name like $1',
    [`${prefix}%`],
  )
  await admin.end()
  return rows.map((r) => r.name)
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

interface Engine {
  readonly engine: string
  /** A `--database` location of its own. */
  readonly url: () => string
  readonly layout: TenantLayout
  /** The databases, schemas or files (less `.sqlite`) whose names start with a prefix. */
  readonly list: (prefix: string, url: string) => Promise<string[]>
  /** Dropped after the tests. */
  readonly created: string[]
}

const sqliteFilesLike = async (prefix: string, url: string) =>
  readdirSync(url.slice('sqlite:'.length))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.sqlite'))
    .map((f) => f.replace(/\.sqlite$/, ''))

const SERVERS: readonly Engine[] = [
  { engine: 'PostgreSQL', url: () => POSTGRES_URL, layout: 'database', list: pgDatabasesLike, created: pgCreated },
  {
    engine: 'PostgreSQL, schema layout',
    url: () => POSTGRES_URL,
    layout: 'schema',
    list: pgSchemasLike,
    created: pgSchemasCreated,
  },
  { engine: 'MariaDB', url: () => MYSQL_URL, layout: 'database', list: mysqlDatabasesLike, created: mysqlCreated },
]
const SQLITE: Engine = {
  engine: 'SQLite',
  url: () => `sqlite:${mkdtempSync(join(tmpdir(), 'tm-isolation-'))}`,
  layout: 'database',
  list: sqliteFilesLike,
  created: [],
}

describe.each([...SERVERS, SQLITE])('$engine, long template', ({ engine, url: where, layout, list, created }) => {
  it('refuses calls for context ids that would not fit, with no database created, and never shares one', async () => {
    // SQLite's limit is the 128 characters of a plain name: a longer template reaches it.
    const pad = engine === 'SQLite' ? 'x'.repeat(70) : ''
    const prefix = `tmlong_${randomBytes(3).toString('hex')}_template_name_${pad}`
    const template = `${prefix}{contextId}`
    const url = where()
    const rules = rulesOf(url)
    const longest = roomForContextId(template, rules)
    expect(longest).toBeLessThan(45)
    const service = await testService({
      config: {
        database: parseDatabaseLocation(url, layout)!,
        databaseNameTemplate: template,
        maxContextIdLength: longest,
      },
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
      expect(await list(prefix, url)).toEqual([])

      // Ids that fit get their own databases, full names, uncut.
      const fitting = [a.slice(0, longest - 1), b.slice(0, longest - 2)]
      for (const contextId of fitting) {
        created.push(`${prefix}${contextId}`)
        expect((await post(service.app, await tableSchemaCall([peopleTable()], { contextId }))).successful).toBe(true)
      }
      expect((await list(prefix, url)).sort()).toEqual(fitting.map((c) => `${prefix}${c}`).sort())
    } finally {
      await service.mirrors.close()
    }
  })
})

describe.each([SQLITE, ...SERVERS])(
  '$engine, two tenants mapped to one database',
  ({ engine, url, layout, created }) => {
    it('gives the database to the first and refuses the second before it reads or writes', async () => {
      const shared = `tmshared_${randomBytes(4).toString('hex')}`
      created.push(shared)
      // An integrator's hook that maps every tenant to one name: what folding case or cutting names would do.
      const resolveConnection: ResolveConnection = () => ({ name: shared })
      const location = url()
      const service = await testService({
        resolveConnection,
        config: { database: parseDatabaseLocation(location, layout)! },
      })
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
        const mirror = await service.inspector!.inspect('CustA' as never)
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
  },
)

describe.each(SERVERS)('$engine, names a naming hook makes', ({ engine, url, layout, list, created }) => {
  it('are held to the engine limit, the metadata table too, before anything is created', async () => {
    const stem = `tmhook_${randomBytes(3).toString('hex')}_`
    const tooLong = `${stem}${'x'.repeat(64)}`
    const short = `${stem}short`
    created.push(short)
    const longId = `Cust${'9'.repeat(56)}`
    const resolveConnection: ResolveConnection = (contextId) => ({ name: contextId === 'CustLong' ? tooLong : short })
    const service = await testService({
      resolveConnection,
      config: { database: parseDatabaseLocation(url(), layout)!, maxContextIdLength: 64 },
    })
    const limit = engine === 'MariaDB' ? '64 characters MySQL/MariaDB keeps' : '63 bytes PostgreSQL keeps'
    try {
      const people = peopleTable()
      const refused = [
        [
          await tableSchemaCall([people], { contextId: 'CustLong' }),
          `mirror database name ${tooLong} is longer than the ${limit}; it is refused rather than cut`,
        ],
        // TableSchema checks the metadata name before it opens the mirror; RowData opens it first.
        [await tableSchemaCall([people], { contextId: longId }), `name ${longId}_mirroring is longer than`],
        [
          await rowDataCall([batch(people, 5, [['[I:1]', 'Ann', null]])], { contextId: longId }),
          `metadata table name ${longId}_mirroring is longer than the ${limit}; it is refused rather than cut`,
        ],
      ] as const
      for (const [call, error] of refused) {
        expect(await post(service.app, call)).toMatchObject({
          successful: false,
          error: expect.stringContaining(error),
        })
      }
      expect(await list(stem, url())).toEqual([])

      expect(
        (await post(service.app, await tableSchemaCall([peopleTable()], { contextId: 'CustOk' }))).successful,
      ).toBe(true)
      expect(await list(stem, url())).toEqual([short])
    } finally {
      await service.mirrors.close()
    }
  })
})

describe('a mirror made before the owner stamp', () => {
  it('is stamped by its first caller and refused to any other from then on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-unstamped-'))
    const resolveConnection: ResolveConnection = () => ({ name: 'Mirror_legacy' })
    const config = { database: parseDatabaseLocation(`sqlite:${dir}`)! }
    const file = join(dir, 'Mirror_legacy.sqlite')
    const people = peopleTable()
    const first = await testService({ resolveConnection, config })
    try {
      expect((await post(first.app, await tableSchemaCall([people], { contextId: 'CustA' }))).successful).toBe(true)
      const rows = await rowDataCall([batch(people, 5, [['[I:1]', 'Ann', null]])], { contextId: 'CustA' })
      expect((await post(first.app, rows)).successful).toBe(true)
    } finally {
      await first.mirrors.close()
    }
    const legacy = new Database(file)
    legacy.exec(`drop table "${OWNER_TABLE}"`)
    legacy.close()

    const later = await testService({ resolveConnection, config })
    try {
      expect((await post(later.app, await tableSchemaCall([people], { contextId: 'CustA' }))).successful).toBe(true)
      const reply = await post(later.app, await tableSchemaCall([people], { contextId: 'CustB' }))
      expect(reply).toMatchObject({ successful: false, error: expect.stringMatching(/belongs to tenant CustA/) })
      expect(await (await later.inspector!.inspect('CustA' as never)).countRows(people.name)).toBe(1)
    } finally {
      await later.mirrors.close()
    }
    const stamped = new Database(file, { readonly: true })
    expect(stamped.prepare(`select tablename from "${OWNER_TABLE}"`).all()).toEqual([{ tablename: 'CustA' }])
    stamped.close()
  })
})
