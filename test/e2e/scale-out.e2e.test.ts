import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePartnerKeys } from '../../src/adapters/crypto/key-files.ts'
import { soapActionOf } from '../../src/adapters/soap/namespaces.ts'
import { writeAuthenticateRequest } from '../../src/adapters/soap/request-writers.ts'
import { parseDatabaseLocation } from '../../src/adapters/sql/database-location.ts'
import { openMirrorDatabases } from '../../src/adapters/sql/mirror-databases.ts'
import { generateFederatedKeys } from '../../src/adapters/task/crypto/federated-keys.ts'
import { Rs256TokenIssuer } from '../../src/adapters/task/crypto/rs256-token-issuer.ts'
import type { KyselyRegistry } from '../../src/adapters/task/store/kysely-registry.ts'
import { openRegistry } from '../../src/adapters/task/store/open-registry.ts'
import type { ContextId } from '../../src/domain/handshake/context-id.ts'
import { formatNonce, tokenClaims } from '../../src/domain/task/issued-token.ts'
import { seededRandom } from '../chaos/support/chaos-settings.ts'
import { freePort, ServiceChild } from '../chaos/support/service-child.ts'
import { Workload } from '../chaos/support/workload.ts'
import { openSource, type SourceDriver } from '../support/e2e-sources.ts'
import { mirrorDigests, sourceDigests } from '../support/e2e-system.ts'
import { startHaproxy } from '../support/haproxy.ts'
import { readReply } from '../support/http.ts'
import { ManagedProcess } from '../support/processes.ts'
import { POSTGRES_URL } from '../support/servers.ts'

/**
 * Issue 14's acceptance: three service replicas behind HAProxy sharing a PostgreSQL state store
 * and PostgreSQL mirrors; three workers and two schedulers sharing one pg-boss queue; sixty
 * tenants whose sources change while it runs; one replica and one worker SIGKILLed at random
 * moments and restarted. Afterwards every mirror equals its source, no pair's cycles overlapped,
 * every job ended, and the replicas agree on nonces, pauses, tenants and errors.
 */

const TENANTS = 60
const APP = 'scaleapp'
const TOKEN = 'scale-out-admin-token-0123456789'
const RUN_MS = 75_000
const random = seededRandom(1414)

const dir = mkdtempSync(join(tmpdir(), 'tm-scale-'))
const dbName = `tmscale_${randomBytes(4).toString('hex')}`
const dbUrl = (() => {
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${dbName}`
  return url.toString()
})()

async function admin(text: string) {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  await client.query(text).finally(() => client.end())
}

const tenants = Array.from({ length: TENANTS }, (_, i) => `Scale${String(i).padStart(2, '0')}`)
const sources = new Map<string, SourceDriver>()
const workloads = new Map<string, Workload>()
let registry: KyselyRegistry
let replicas: ServiceChild[] = []
let haproxy: ManagedProcess
let workers: ManagedProcess[] = []
let schedulers: ManagedProcess[] = []
let issuer: Rs256TokenIssuer
let balancer: string
const killedAt = new Map<ManagedProcess, number[]>()

const taskArgs = (federated: { privateKey: string; certificate: string }) => [
  '--registry',
  dbUrl,
  '--queue',
  dbUrl,
  '--signing-key',
  federated.privateKey,
  '--signing-cert',
  federated.certificate,
  '--environment',
  'development',
  '--stop-window',
  'none',
  '--interval',
  '0.1',
  '--call-timeout',
  '30',
  '--job-heartbeat',
  '10',
  '--job-retry-delay',
  '1',
  '--job-retries',
  '5',
]

async function soap(url: string, body: string, action: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"` },
    body,
  })
  return readReply(response.status, await response.text())
}

async function authenticateBody(contextId: string): Promise<string> {
  const token = await issuer.issue(tokenClaims(contextId, APP, formatNonce(randomBytes(16)), Date.now()))
  return writeAuthenticateRequest({ signedToken: token, clientState: '' })
}

async function adminApi(replica: ServiceChild, path: string, method = 'GET') {
  const response = await fetch(`${replica.base}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}` },
  })
  return response.json() as Promise<unknown>
}

describe('scale-out: replicas behind HAProxy, workers and schedulers on one pg-boss queue', () => {
  beforeAll(async () => {
    await admin(`create database "${dbName}"`)
    const partner = generatePartnerKeys(join(dir, 'partner'))
    const federated = generateFederatedKeys(join(dir, 'federated'))
    issuer = Rs256TokenIssuer.fromFiles(federated.privateKey, federated.certificate)
    const serviceArgs = [
      '--database',
      dbUrl,
      '--tenant-layout',
      'schema',
      '--database-name',
      'm_{contextId}',
      '--state',
      dbUrl,
      '--client-id',
      APP,
      '--private-key',
      partner.privatePem,
      '--federated-cert',
      federated.certificate,
      '--admin-token',
      TOKEN,
      '--log-level',
      'warn',
    ]
    replicas = await Promise.all([1, 2, 3].map(() => ServiceChild.start({ args: serviceArgs })))
    const port = await freePort()
    haproxy = await startHaproxy(
      dir,
      port,
      replicas.map((r) => r.port),
    )
    balancer = `http://127.0.0.1:${port}/MirroringClientService.svc`

    registry = await openRegistry(dbUrl)
    await registry.addApplication({
      clientId: APP,
      clientSecret: 'secret',
      name: 'Scale partner',
      mirroringEnabled: true,
      mirroringUrl: balancer,
      publicKey: readFileSync(partner.publicPem, 'utf8'),
      environment: 'development',
    })
    for (const tenant of tenants) {
      mkdirSync(join(dir, tenant))
      const source = await openSource('sqlite', join(dir, tenant))
      sources.set(tenant, source)
      workloads.set(tenant, await Workload.create(source, random, 0.02))
      await registry.addTenant({ contextId: tenant, sourceUrl: source.url, skipTable: [], batchSize: 16_384 })
      await registry.approve(tenant, APP, Date.now())
    }
    const args = taskArgs(federated)
    workers = [1, 2, 3].map((i) =>
      new ManagedProcess(`worker ${i}`, ['task', 'worker', '--concurrency', '3', ...args]).start(),
    )
    for (const worker of workers) await worker.waitFor('tenant-mirror worker running')
    schedulers = [1, 2].map((i) => new ManagedProcess(`scheduler ${i}`, ['task', 'schedule', ...args]).start())
  }, 180_000)

  afterAll(async () => {
    for (const p of [...schedulers, ...workers]) await p.kill()
    await haproxy?.kill()
    for (const r of replicas) await r.stop()
    await registry?.close()
    for (const s of sources.values()) await s.close()
    await admin(`drop database if exists "${dbName}" with (force)`)
    rmSync(dir, { recursive: true, force: true })
  })

  it('mirrors sixty changing tenants through kills of a replica and a worker, and every mirror equals its source', async () => {
    const started = Date.now()
    const victimReplica = replicas[1]!
    const victimWorker = workers[0]!
    killedAt.set(victimWorker, [])
    // Kill points at random moments of the run, one replica and one worker, each restarted.
    const killTimes = [0.2, 0.45, 0.7].map((f) => started + f * RUN_MS + random() * 5_000)
    let round = 0
    let kills = 0
    while (Date.now() - started < RUN_MS) {
      round++
      for (let i = 0; i < 6; i++) await workloads.get(tenants[Math.floor(random() * TENANTS)]!)!.step(round)
      if (kills < killTimes.length && Date.now() >= killTimes[kills]!) {
        kills++
        await victimReplica.kill()
        await victimWorker.kill()
        killedAt.get(victimWorker)!.push(Date.now())
        await new Promise((r) => setTimeout(r, 1_500 + random() * 1_500))
        await victimReplica.restart()
        victimWorker.start()
      }
      await new Promise((r) => setTimeout(r, 1_000))
    }
    expect(kills).toBe(killTimes.length)

    // Nothing changes any more: wait until every pair has completed a cycle that began after that.
    const quiet = Date.now()
    const deadline = quiet + 150_000
    for (;;) {
      const statuses = await registry.pairStatuses()
      const done = statuses.filter(
        (s) =>
          (s.lastStartedAt ?? 0) > quiet && (s.lastFinishedAt ?? 0) >= (s.lastStartedAt ?? 0) && s.lastOutcome === 'ok',
      )
      if (done.length === TENANTS) break
      if (Date.now() > deadline) {
        throw new Error(`only ${done.length} of ${TENANTS} pairs completed a cycle after the changes stopped`)
      }
      await new Promise((r) => setTimeout(r, 1_000))
    }
    for (const scheduler of schedulers) expect(await scheduler.stop()).toBe(0)
    // Every job queued ends: the workers finish what is left.
    let open: { state: string }[] = []
    for (let i = 0; i < 60; i++) {
      open = (await queueJobs()).filter((j) => ['created', 'retry', 'active'].includes(j.state))
      if (open.length === 0) break
      await new Promise((r) => setTimeout(r, 1_000))
    }
    expect(open).toEqual([])
    for (const worker of workers) expect(await worker.stop()).toBe(0)

    const mirrors = openMirrorDatabases(parseDatabaseLocation(dbUrl, 'schema')!, {
      naming: (ctx) => `m_${ctx}`,
      longestContextId: 50,
      pool: { maxOpen: 8, idleMs: 60_000 },
    })
    try {
      for (const tenant of tenants) {
        const [source, mirror] = await Promise.all([
          // With their rows, so that a mismatch shows which rows differ.
          sourceDigests(sources.get(tenant)!.url, [], true),
          mirrorDigests(mirrors, tenant as ContextId, true),
        ])
        expect([...mirror.keys()].sort(), tenant).toEqual([...source.keys()].sort())
        const lsns = (await (await mirrors.forTenant(tenant as ContextId)).readState()).tables
        for (const [table, digest] of source) {
          const at = `${tenant} ${table} at mirror LSN ${lsns.get(table.toLowerCase())?.lsn}`
          expect(mirror.get(table), at).toEqual(digest)
        }
      }
    } finally {
      await mirrors.close()
    }

    // No pair ever had two cycles at once, by the workers' own records; a killed worker's cycle ends at its kill.
    const intervals = new Map<string, { start: number; end: number; worker: string }[]>()
    for (const worker of workers) {
      const open = new Map<string, number>()
      const kills = [...(killedAt.get(worker) ?? [])]
      for (const line of worker.logLines()) {
        if (line.event !== 'cycle-start' && line.event !== 'cycle-end') continue
        const key = `${line.contextId}/${line.clientId}`
        if (line.event === 'cycle-start') {
          // A start after a kill: close what the killed run left open at the kill.
          while (kills.length > 0 && kills[0]! < (line.at as number)) {
            const killed = kills.shift()!
            for (const [k, start] of open)
              intervals.set(k, [...(intervals.get(k) ?? []), { start, end: killed, worker: worker.name }])
            open.clear()
          }
          open.set(key, line.at as number)
        } else {
          const start = open.get(key)
          if (start !== undefined) {
            intervals.set(key, [...(intervals.get(key) ?? []), { start, end: line.at as number, worker: worker.name }])
            open.delete(key)
          }
        }
      }
    }
    let cycles = 0
    for (const [pair, list] of intervals) {
      list.sort((a, b) => a.start - b.start)
      cycles += list.length
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.start, `${pair}: ${JSON.stringify(list.slice(i - 1, i + 1))}`).toBeGreaterThanOrEqual(
          list[i - 1]!.end,
        )
      }
    }
    expect(cycles).toBeGreaterThan(TENANTS * 2)
    console.log(
      `[scale-out] ${cycles} cycles in ${Math.round((Date.now() - started) / 1000)} s, ${round} rounds of changes, ${kills} kills of a replica and a worker`,
    )
  }, 420_000)

  it('shares nonces, pauses, tenants and errors between the replicas', async () => {
    // A nonce accepted through one replica is refused by another.
    const body = await authenticateBody(tenants[0]!)
    const first = await soap(replicas[0]!.url, body, soapActionOf('Authenticate'))
    expect(first.successful).toBe(true)
    for (const other of replicas.slice(1)) {
      const replayed = await soap(other.url, body, soapActionOf('Authenticate'))
      expect(replayed.successful).toBe(false)
      expect(replayed.error).toMatch(/nonce was already used/)
    }
    // A pause set through replica 1 holds on calls routed to replicas 2 and 3.
    await adminApi(replicas[0]!, `/tenants/${tenants[1]}/pause`, 'POST')
    for (const other of replicas.slice(1)) {
      const reply = await soap(other.url, await authenticateBody(tenants[1]!), soapActionOf('Authenticate'))
      expect(reply.field('AdditionalInformationJson')).toBe('{"doNotReplicate":"true"}')
    }
    await adminApi(replicas[2]!, `/tenants/${tenants[1]}/resume`, 'POST')
    const resumed = await soap(replicas[0]!.url, await authenticateBody(tenants[1]!), soapActionOf('Authenticate'))
    expect(resumed.field('AdditionalInformationJson')).toBe('')
    // The admin API of each replica shows the same tenants and the same last errors.
    const views = await Promise.all(replicas.map((r) => adminApi(r, '/tenants')))
    const summary = (view: unknown) =>
      (view as { contextId: string; lastError: unknown; failures24h: number }[])
        .map((t) => ({ contextId: t.contextId, lastError: t.lastError, failures24h: t.failures24h }))
        .sort((a, b) => a.contextId.localeCompare(b.contextId))
    expect(summary(views[0]).map((t) => t.contextId)).toEqual(tenants)
    expect(summary(views[1])).toEqual(summary(views[0]))
    expect(summary(views[2])).toEqual(summary(views[0]))
    const feeds = await Promise.all(replicas.map((r) => adminApi(r, '/errors?limit=500')))
    expect(feeds[1]).toEqual(feeds[0])
    expect(feeds[2]).toEqual(feeds[0])
  }, 60_000)
})

/** The queue's jobs, read with `tenant-mirror task queue --json` as an operator would. */
async function queueJobs(): Promise<{ state: string }[]> {
  const federated = join(dir, 'federated')
  const run = new ManagedProcess('task queue', [
    'task',
    'queue',
    '--json',
    '--registry',
    dbUrl,
    '--queue',
    dbUrl,
    '--signing-key',
    join(federated, 'federated-private.pem'),
    '--signing-cert',
    join(federated, 'federated.crt'),
    '--log-level',
    'silent',
  ]).start()
  for (let i = 0; i < 300 && run.alive; i++) await new Promise((r) => setTimeout(r, 100))
  const line = run.output.split('\n').find((l) => l.startsWith('['))
  if (!line) throw new Error(`task queue printed no list: ${run.errors}`)
  return JSON.parse(line) as { state: string }[]
}
