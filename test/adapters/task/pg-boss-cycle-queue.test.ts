import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CycleLocks } from '../../../src/adapters/task/scheduling/cycle-locks.ts'
import { type CycleRun, PgBossCycleQueue } from '../../../src/adapters/task/scheduling/pg-boss-cycle-queue.ts'
import { openRegistry } from '../../../src/adapters/task/store/open-registry.ts'
import type { CyclePair } from '../../../src/application/task/ports/cycle-queue.port.ts'
import { POSTGRES_URL } from '../../support/servers.ts'

const run = promisify(execFile)
const BIN = new URL('../../../bin/tenant-mirror.js', import.meta.url).pathname
const QUIET = { debug() {}, info() {}, warn() {}, error() {} }
const SETTINGS = { heartbeatSeconds: 10, expirySeconds: 60, retryLimit: 2, retryDelaySeconds: 1 }
const name = `tmqueue_${randomBytes(4).toString('hex')}`
const url = (() => {
  const u = new URL(POSTGRES_URL)
  u.pathname = `/${name}`
  return u.toString()
})()

async function admin(text: string) {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  await client.query(text).finally(() => client.end())
}

beforeAll(() => admin(`create database "${name}"`))
afterAll(() => admin(`drop database if exists "${name}" with (force)`))

const until = async (check: () => Promise<boolean> | boolean, ms = 20_000) => {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('pg-boss cycle queue', () => {
  let schedulers: PgBossCycleQueue[] = []
  let workers: PgBossCycleQueue[] = []

  beforeAll(async () => {
    // Two schedulers and two workers, as separate machines would be, on one queue.
    schedulers = [await PgBossCycleQueue.open(url, SETTINGS, QUIET), await PgBossCycleQueue.open(url, SETTINGS, QUIET)]
    workers = [await PgBossCycleQueue.open(url, SETTINGS, QUIET), await PgBossCycleQueue.open(url, SETTINGS, QUIET)]
  }, 60_000)

  afterAll(async () => {
    for (const q of [...schedulers, ...workers]) await q.close()
  })

  it('queues a pair once, however many schedulers send it, and runs it on one worker at a time', async () => {
    const pair = { contextId: 'Cust1', clientId: 'app1' }
    const sent = await Promise.all([0, 1, 2, 3].map((i) => schedulers[i % 2]!.enqueue(pair)))
    expect(sent.filter(Boolean)).toHaveLength(1)
    expect(await schedulers[0]!.busy()).toEqual([pair])

    const runs: { pair: CyclePair; worker: number; start: number; end: number }[] = []
    let running = 0
    let most = 0
    const run =
      (worker: number) =>
      async (p: CyclePair): Promise<CycleRun> => {
        if (p.contextId === 'CustRetry')
          return { outcome: 'failed', message: 'cannot reach the mirroring client service' }
        running++
        most = Math.max(most, running)
        const start = Date.now()
        await new Promise((r) => setTimeout(r, 200))
        running--
        runs.push({ pair: p, worker, start, end: Date.now() })
        return { outcome: 'ok', message: 'done' }
      }
    await workers[0]!.work(run(0), 2)
    await workers[1]!.work(run(1), 2)
    await until(async () => runs.length === 1 && (await schedulers[0]!.busy()).length === 0)
    // Once it has run, the pair may be queued again.
    expect(await schedulers[1]!.enqueue(pair)).toBe(true)
    for (let i = 2; i <= 6; i++) await schedulers[i % 2]!.enqueue({ contextId: `Cust${i}`, clientId: 'app1' })
    await until(async () => runs.length === 7 && (await schedulers[0]!.busy()).length === 0)
    expect(most).toBeGreaterThan(1)
    const cust1 = runs.filter((r) => r.pair.contextId === 'Cust1')
    expect(cust1).toHaveLength(2)
    expect(cust1[0]!.end).toBeLessThanOrEqual(cust1[1]!.start)
    expect(new Set(runs.map((r) => r.worker))).toEqual(new Set([0, 1]))
    const jobs = await schedulers[0]!.jobs()
    expect(jobs.filter((j) => j.state === 'completed')).toHaveLength(7)
  }, 60_000)

  it('retries a failed cycle with backoff, and records why', async () => {
    const pair = { contextId: 'CustRetry', clientId: 'app1' }
    expect(await schedulers[0]!.enqueue(pair)).toBe(true)
    await until(
      async () => (await schedulers[0]!.jobs()).some((j) => j.contextId === 'CustRetry' && j.state === 'failed'),
      30_000,
    )
    const job = (await schedulers[0]!.jobs()).find((j) => j.contextId === 'CustRetry')!
    expect(job.retries).toBe(SETTINGS.retryLimit)
    expect(job.error).toBe('cannot reach the mirroring client service')
  }, 60_000)

  it('does not start a pair whose lock another session holds: the attempt fails and is retried', async () => {
    const locks = await CycleLocks.open(url)
    const held = await locks.take('CustLocked/app1')
    expect(held).toBeDefined()
    expect(await locks.take('CustLocked/app1')).toBeUndefined()
    expect(await schedulers[1]!.enqueue({ contextId: 'CustLocked', clientId: 'app1' })).toBe(true)
    await until(async () =>
      (await schedulers[0]!.jobs()).some((j) => j.contextId === 'CustLocked' && j.state === 'retry'),
    )
    const retried = (await schedulers[0]!.jobs()).find((j) => j.contextId === 'CustLocked')!
    expect(retried.error).toMatch(/still running on another worker/)
    await held!.release()
    await until(async () =>
      (await schedulers[0]!.jobs()).some((j) => j.contextId === 'CustLocked' && j.state === 'completed'),
    )
    await locks.close()
  }, 60_000)
})

describe('an approval and its first cycle, in one transaction of the registry database', () => {
  it('commits both or neither', async () => {
    const registry = await openRegistry(url)
    const queue = await PgBossCycleQueue.open(url, SETTINGS, QUIET)
    try {
      await registry.addApplication({
        clientId: 'appTx',
        clientSecret: 'secret',
        name: 'Tx partner',
        mirroringEnabled: true,
        mirroringUrl: 'http://127.0.0.1:1/MirroringClientService.svc',
        publicKey: 'key',
        environment: 'development',
      })
      for (const contextId of ['CustTx', 'CustTx2']) {
        await registry.addTenant({ contextId, sourceUrl: 'sqlite:/nowhere', skipTable: [], batchSize: 16_384 })
      }
      const approved = (contextId: string) =>
        registry.approvals().then((all) => all.some((a) => a.contextId === contextId))
      const queued = (contextId: string) =>
        queue.jobs().then((all) => all.filter((j) => j.contextId === contextId).map((j) => j.state))

      const pair = { contextId: 'CustTx', clientId: 'appTx' }
      await registry.approveWith(pair.contextId, pair.clientId, Date.now(), async (sql) => {
        expect(await queue.enqueueIn(pair, sql)).toBe(true)
        // Not visible outside the transaction until it commits.
        expect(await queued(pair.contextId)).toEqual([])
      })
      expect(await approved('CustTx')).toBe(true)
      expect(await queued('CustTx')).toEqual(['created'])

      // A failure after the job was sent takes the approval and the job back together.
      const other = { contextId: 'CustTx2', clientId: 'appTx' }
      await expect(
        registry.approveWith(other.contextId, other.clientId, Date.now(), async (sql) => {
          await queue.enqueueIn(other, sql)
          throw new Error('refused after queuing')
        }),
      ).rejects.toThrow('refused after queuing')
      expect(await approved('CustTx2')).toBe(false)
      expect(await queued('CustTx2')).toEqual([])
    } finally {
      await queue.close()
      await registry.close()
    }
  }, 60_000)

  it('is what `tenants approve --queue` does, on the registry database only', async () => {
    const registry = await openRegistry(url)
    await registry.addTenant({ contextId: 'CustCli', sourceUrl: 'sqlite:/nowhere', skipTable: [], batchSize: 16_384 })
    await registry.close()
    const approve = (queue: string) =>
      run(
        process.execPath,
        [BIN, 'tenants', 'approve', 'CustCli', '--app', 'appTx', '--registry', url, '--queue', queue],
        {
          env: { PATH: process.env.PATH },
        },
      ).then(
        ({ stdout }) => ({ code: 0, out: stdout }),
        (error: { code: number; stderr: string }) => ({ code: error.code, out: error.stderr }),
      )
    const elsewhere = new URL(url)
    elsewhere.pathname = '/postgres'
    expect(await approve(elsewhere.toString())).toEqual({
      code: 2,
      out: "tenant-mirror: --queue (MIRROR_QUEUE) must be the registry's PostgreSQL database: the approval and its first cycle commit together\n",
    })
    expect(await approve(url)).toEqual({ code: 0, out: 'CustCli approved appTx, its first cycle queued\n' })
    const queue = await PgBossCycleQueue.open(url, SETTINGS, QUIET)
    try {
      expect((await queue.jobs()).filter((j) => j.contextId === 'CustCli').map((j) => j.state)).toEqual(['created'])
    } finally {
      await queue.close()
    }
  }, 60_000)
})
