import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENTS_KEPT, type KyselyRegistry } from '../../../src/adapters/task/store/kysely-registry.ts'
import { openRegistry } from '../../../src/adapters/task/store/open-registry.ts'
import { REGISTRY_SCHEMA_VERSION } from '../../../src/adapters/task/store/registry-schema.ts'
import { POSTGRES_URL, uniqueTemplate } from '../../support/servers.ts'

const app = {
  clientId: 'app1',
  clientSecret: 's3cret',
  name: 'Partner',
  mirroringEnabled: true,
  mirroringUrl: 'https://partner.example/Mirror.svc',
  publicKey: '-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----',
  environment: 'development',
}
const tenant = { contextId: 'Cust1', sourceUrl: 'sqlite:/tmp/x.sqlite', skipTable: ['a', 'b'], batchSize: 500_000 }

const pgName = uniqueTemplate('tmreg').replace('{contextId}', 'r').toLowerCase()
const pgRaceName = `${pgName}_race`
const pgUrlOf = (database: string) => {
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${database}`
  return url.toString()
}
const pgUrl = pgUrlOf(pgName)

async function adminQuery(text: string, url = POSTGRES_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(text)
  } finally {
    await client.end()
  }
}

/** Runs one statement on the registry's database behind the adapter's back. */
async function rawExec(url: string, text: string): Promise<unknown[]> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length))
    try {
      const statement = db.prepare(text)
      if (statement.reader) return statement.all()
      statement.run()
      return []
    } finally {
      db.close()
    }
  }
  return (await adminQuery(text, url)).rows
}
const dir = mkdtempSync(join(tmpdir(), 'tm-registry-'))

beforeAll(async () => {
  await adminQuery(`create database "${pgName}"`)
  await adminQuery(`create database "${pgRaceName}"`)
})

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await adminQuery(`drop database if exists "${pgName}" with (force)`)
  await adminQuery(`drop database if exists "${pgRaceName}" with (force)`)
})

/** The same behaviour from the default SQLite registry and from a PostgreSQL one. */
describe.each([
  ['sqlite', () => `sqlite:${join(dir, `r-${Math.random()}.sqlite`)}`],
  ['postgres', () => pgUrl],
])('registry on %s', (_name, urlOf) => {
  let registry: KyselyRegistry
  const url = urlOf()
  beforeAll(async () => {
    registry = await openRegistry(url)
  })
  afterAll(async () => {
    await registry.close()
  })

  it('keeps applications and patches them', async () => {
    await registry.addApplication(app)
    expect(await registry.application('app1')).toEqual(app)
    expect(
      await registry.updateApplication('app1', { mirroringEnabled: false, mirroringUrl: 'https://b.example/' }),
    ).toBe(true)
    expect(await registry.application('app1')).toMatchObject({
      mirroringEnabled: false,
      mirroringUrl: 'https://b.example/',
    })
    expect(await registry.updateApplication('nope', { name: 'x' })).toBe(false)
    await expect(registry.addApplication(app)).rejects.toThrow()
    await registry.updateApplication('app1', { mirroringEnabled: true })
  })

  it('keeps tenants with their preferences', async () => {
    await registry.addTenant(tenant)
    expect(await registry.tenant('Cust1')).toEqual(tenant)
    await registry.updateTenant('Cust1', { skipTable: [], batchSize: 20_000 })
    expect(await registry.tenants()).toEqual([{ ...tenant, skipTable: [], batchSize: 20_000 }])
  })

  it('approves once, revokes, and remembers each pair cycle', async () => {
    await registry.approve('Cust1', 'app1', 1000)
    await registry.approve('Cust1', 'app1', 2000)
    expect(await registry.approvals()).toEqual([{ contextId: 'Cust1', clientId: 'app1', approvedAt: 1000 }])
    await registry.recordCycleStart('Cust1', 'app1', 5000)
    await registry.recordCycleEnd('Cust1', 'app1', 6000, 'failed', 'boom')
    await registry.recordCycleStart('Cust1', 'app1', 7000)
    expect(await registry.pairStatuses()).toEqual([
      {
        contextId: 'Cust1',
        clientId: 'app1',
        lastStartedAt: 7000,
        lastFinishedAt: 6000,
        lastOutcome: 'failed',
        lastError: 'boom',
      },
    ])
    expect(await registry.revoke('Cust1', 'app1')).toBe(true)
    expect(await registry.revoke('Cust1', 'app1')).toBe(false)
  })

  it('lists events newest first and keeps a bounded log per tenant', async () => {
    for (let i = 0; i < EVENTS_KEPT + 5; i++) {
      await registry.append({ contextId: 'Cust1', clientId: 'app1', at: i, type: 'Information', message: `m${i}` })
    }
    await registry.append({ contextId: 'Cust2', clientId: 'app1', at: 1, type: 'Error', message: 'other' })
    const latest = await registry.list('Cust1', 3)
    expect(latest.map((e) => e.message)).toEqual([`m${EVENTS_KEPT + 4}`, `m${EVENTS_KEPT + 3}`, `m${EVENTS_KEPT + 2}`])
    expect((await registry.list('Cust1', 5000)).length).toBe(EVENTS_KEPT)
    expect(await registry.list('Cust2', 10)).toEqual([
      { contextId: 'Cust2', clientId: 'app1', at: 1, type: 'Error', message: 'other' },
    ])
  })
  it('answers for what it does not hold without inventing it', async () => {
    expect(await registry.application('ghost')).toBeUndefined()
    expect(await registry.tenant('Ghost')).toBeUndefined()
    expect(await registry.updateTenant('Ghost', { batchSize: 30_000 })).toBe(false)
    expect(await registry.updateTenant('Ghost', {})).toBe(false)
    expect(await registry.updateApplication('app1', {})).toBe(true)
    expect(await registry.revoke('Ghost', 'app1')).toBe(false)
    expect(await registry.list('Ghost', 10)).toEqual([])
  })

  it('lists several applications and approvals in id order, keeping the key text exactly', async () => {
    const xmlKey = '<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>'
    await registry.addApplication({ ...app, clientId: 'App0', publicKey: xmlKey, environment: 'production' })
    await registry.addTenant({ ...tenant, contextId: 'Cust0', skipTable: [] })
    await registry.approve('Cust0', 'App0', 3000)
    await registry.approve('Cust0', 'app1', 4000)
    expect((await registry.applications()).map((a) => a.clientId)).toEqual(['App0', 'app1'])
    expect((await registry.application('App0'))?.publicKey).toBe(xmlKey)
    expect((await registry.applications())[0]?.environment).toBe('production')
    expect(await registry.approvals()).toEqual([
      { contextId: 'Cust0', clientId: 'App0', approvedAt: 3000 },
      { contextId: 'Cust0', clientId: 'app1', approvedAt: 4000 },
    ])
  })

  it('records a cycle end even without its start, and keeps epoch millis past 2^31', async () => {
    const at = Date.UTC(2031, 0, 1)
    await registry.recordCycleEnd('Cust0', 'App0', at, 'ok')
    expect((await registry.pairStatuses()).find((p) => p.clientId === 'App0')).toEqual({
      contextId: 'Cust0',
      clientId: 'App0',
      lastStartedAt: undefined,
      lastFinishedAt: at,
      lastOutcome: 'ok',
      lastError: undefined,
    })
  })

  it('reopens what it wrote with one schema version row, and refuses a newer layout', async () => {
    const again = await openRegistry(url)
    try {
      expect((await again.application('app1'))?.name).toBe('Partner')
      expect(await again.tenant('Cust0')).toMatchObject({ contextId: 'Cust0', skipTable: [] })
    } finally {
      await again.close()
    }
    expect(await rawExec(url, 'select version from tm_schema_version')).toEqual([{ version: REGISTRY_SCHEMA_VERSION }])
    await rawExec(url, 'update tm_schema_version set version = 99')
    await expect(openRegistry(url)).rejects.toThrow(/schema version 99, newer than this release's 1/)
    await rawExec(url, `update tm_schema_version set version = ${REGISTRY_SCHEMA_VERSION}`)
  })
})

describe('registry on PostgreSQL only', () => {
  it('parses epoch millis in its own pool, leaving the global int8 parser alone', async () => {
    const registry = await openRegistry(pgUrl)
    try {
      await registry.approve('Cust9', 'app9', 2 ** 40)
      expect((await registry.approvals()).find((a) => a.contextId === 'Cust9')?.approvedAt).toBe(2 ** 40)
      expect(pg.types.getTypeParser(20, 'text')('12')).toBe('12')
      await registry.revoke('Cust9', 'app9')
    } finally {
      await registry.close()
    }
  })

  it('lets several machines create a new registry at the same moment', async () => {
    const url = pgUrlOf(pgRaceName)
    const registries = await Promise.all([1, 2, 3, 4].map(() => openRegistry(url)))
    await Promise.all(registries.map((r) => r.close()))
    expect(await rawExec(url, 'select count(*)::int as n from tm_schema_version')).toEqual([{ n: 1 }])
  })
})
