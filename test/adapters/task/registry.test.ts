import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENTS_KEPT, type KyselyRegistry } from '../../../src/adapters/task/store/kysely-registry.ts'
import { openRegistry } from '../../../src/adapters/task/store/open-registry.ts'
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
const pgUrl = (() => {
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${pgName}`
  return url.toString()
})()
const dir = mkdtempSync(join(tmpdir(), 'tm-registry-'))

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`create database ${pgName}`)
  await admin.end()
})

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`drop database if exists ${pgName} with (force)`)
  await admin.end()
})

/** The same behaviour from the default SQLite registry and from a PostgreSQL one. */
describe.each([
  ['sqlite', () => `sqlite:${join(dir, `r-${Math.random()}.sqlite`)}`],
  ['postgres', () => pgUrl],
])('registry on %s', (_name, url) => {
  let registry: KyselyRegistry
  beforeAll(async () => {
    registry = await openRegistry(url())
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
})
