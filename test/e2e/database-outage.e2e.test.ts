import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, ServiceChild } from '../chaos/support/service-child.ts'
import {
  authenticateCall,
  batch,
  type Call,
  completedCall,
  peopleTable,
  rowDataCall,
  tableSchemaCall,
} from '../support/envelopes.ts'
import { readReply } from '../support/http.ts'
import { POSTGRES_URL, uniqueTemplate } from '../support/servers.ts'
import { TcpProxy } from '../support/tcp-proxy.ts'
import { federatedPublicPem, testKeys } from '../support/test-keys.ts'
import { TEST_CLIENT_ID } from '../support/tokens.ts'

const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname
const TOKEN = 'outage-admin-token-0123456789'
const TENANT = 'Cust5151'
const dir = mkdtempSync(join(tmpdir(), 'tm-outage-'))
const template = uniqueTemplate('tmout')
const pgTarget = new URL(POSTGRES_URL)

let proxy: TcpProxy
let keyArgs: string[]

/** The mirror server's URL through the proxy that the test cuts. */
const proxied = (port: number) => {
  const url = new URL(POSTGRES_URL)
  url.port = String(port)
  return url.toString()
}

beforeAll(async () => {
  proxy = await TcpProxy.start({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) })
  const privateKey = join(dir, 'partner.pem')
  const federated = join(dir, 'federated.pem')
  writeFileSync(privateKey, testKeys().partnerPrivate.export({ type: 'pkcs8', format: 'pem' }) as string, {
    mode: 0o600,
  })
  writeFileSync(federated, await federatedPublicPem())
  keyArgs = ['--client-id', TEST_CLIENT_ID, '--private-key', privateKey, '--federated-cert', federated]
})

afterAll(async () => {
  await proxy?.close()
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`drop database if exists "${template.replace('{contextId}', TENANT)}" with (force)`)
  await admin.end()
  rmSync(dir, { recursive: true, force: true })
})

async function call(service: ServiceChild, c: Call) {
  const response = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${c.action}"` },
    body: c.body,
  })
  return readReply(response.status, await response.text())
}

async function admin<T = Record<string, unknown> & Record<string, unknown>[]>(service: ServiceChild, path: string) {
  const response = await fetch(`${service.base}/admin/api${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  return response.json() as Promise<T>
}

async function readyz(service: ServiceChild) {
  const response = await fetch(`${service.base}/readyz`)
  return { status: response.status, body: (await response.json()) as { status: string; problems?: string[] } }
}

/** The gauge alerts read: the same answer as /readyz, without a prober. */
async function readyMetric(service: ServiceChild) {
  const text = await (await fetch(`${service.base}/metrics`)).text()
  return /^tenant_mirror_ready (\d)$/m.exec(text)?.[1]
}

/** Issue 16's acceptance for honest status: the mirror's PostgreSQL goes away while the service runs. */
describe('the mirror database goes away and comes back', () => {
  let service: ServiceChild

  beforeAll(async () => {
    // No --state: the default, a SQLite file under the working directory's data/.
    service = await ServiceChild.start({
      cwd: dir,
      args: [
        '--database',
        proxied(proxy.port),
        '--database-name',
        template,
        '--admin-token',
        TOKEN,
        '--log-level',
        'error',
        ...keyArgs,
      ],
    })
  })

  afterAll(() => service?.stop())

  it('is ready and mirrors a cycle while the server answers', async () => {
    expect(await readyz(service)).toEqual({ status: 200, body: { status: 'ready' } })
    const people = peopleTable()
    for (const c of [
      await authenticateCall({ contextId: TENANT }),
      await tableSchemaCall([people], { contextId: TENANT }),
      await rowDataCall([batch(people, 3, [['[I:1]', 'Ann', null]])], { contextId: TENANT }),
      await completedCall([], { contextId: TENANT }),
    ]) {
      expect((await call(service, c)).successful).toBe(true)
    }
    await expect.poll(async () => ((await admin(service, '/tenants'))[0] as { health: string }).health).toBe('ok')
  })

  it('turns unready, records the failed call with its reference and shows the tenant failing; ready again after', async () => {
    await proxy.cut()
    await expect.poll(async () => (await readyz(service)).status, { timeout: 15_000, interval: 500 }).toBe(503)
    const { body } = await readyz(service)
    expect(body.status).toBe('not ready')
    expect(body.problems![0]).toMatch(
      /^mirror database \(postgres:\/\/127\.0\.0\.1:\d+\/postgres\): the mirror server does not answer/,
    )
    expect(await readyMetric(service)).toBe('0')

    const people = peopleTable()
    expect((await call(service, await authenticateCall({ contextId: TENANT }))).successful).toBe(true)
    const failed = await call(
      service,
      await rowDataCall([batch(people, 4, [['[I:2]', 'Bob', null]])], { contextId: TENANT }),
    )
    expect(failed.successful).toBe(false)
    expect(failed.error).toMatch(/\(transient\)/)
    await expect.poll(async () => ((await admin(service, '/tenants'))[0] as { health: string }).health).toBe('failing')
    const tenant = (await admin(service, `/tenants/${TENANT}`).catch(() => undefined)) ?? {}
    // The detail cannot read the mirror now: the API still answers JSON, a problem naming the cause.
    expect(tenant).toMatchObject({
      status: 503,
      title: 'mirror database unavailable',
      detail: expect.stringMatching(/ECONNREFUSED|does not answer|cannot open/),
    })
    const [error] = await admin<{ operation: string; reference: string }[]>(service, `/errors?tenant=${TENANT}`)
    expect(error).toMatchObject({ operation: 'RowData', reference: expect.stringMatching(/^[0-9a-f]{8}$/) })

    await proxy.restore()
    await expect.poll(async () => (await readyz(service)).status, { timeout: 15_000, interval: 500 }).toBe(200)
    expect(await readyMetric(service)).toBe('1')
    for (const c of [
      await authenticateCall({ contextId: TENANT }),
      await tableSchemaCall([people], { contextId: TENANT }),
      await rowDataCall([batch(people, 5, [['[I:2]', 'Bob', null]])], { contextId: TENANT }),
      await completedCall([], { contextId: TENANT }),
    ]) {
      expect((await call(service, c)).successful).toBe(true)
    }
    await expect.poll(async () => ((await admin(service, '/tenants'))[0] as { health: string }).health).toBe('ok')
  })

  it('keeps the activity across a restart on its default SQLite state', async () => {
    expect(existsSync(join(dir, 'data', 'state.sqlite'))).toBe(true)
    await service.stop()
    await service.restart()
    const [tenant] = (await admin(service, '/tenants')) as {
      contextId: string
      failures24h: number
      recentCycles: unknown[]
    }[]
    expect(tenant).toMatchObject({ contextId: TENANT, failures24h: 1 })
    expect(tenant!.recentCycles.length).toBeGreaterThanOrEqual(2)
  })
})

describe('start-up with a mirror server that does not answer', () => {
  it('stops with one line naming the server, exit 1', async () => {
    const port = await freePort()
    const run = await runServe(['--database', proxied(port), '--state', 'memory:', '--port', '0'])
    expect(run.code).toBe(1)
    const lines = run.stderr.trim().split('\n')
    expect(lines.at(-1)).toMatch(
      new RegExp(`^tenant-mirror: cannot reach the mirror database postgres://127\\.0\\.0\\.1:${port}/postgres: `),
    )
    expect(run.stderr).not.toMatch(/password|at \w+ \(/)
  })

  it('waits for it with --wait-for-database, and starts once it answers', async () => {
    const port = await freePort()
    const late = new Promise<TcpProxy>((resolve) =>
      setTimeout(
        () => resolve(TcpProxy.start({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) }, port)),
        2000,
      ),
    )
    const run = runServe(
      ['--database', proxied(port), '--state', 'memory:', '--port', '0', '--wait-for-database', '20'],
      'listening',
    )
    const late2 = await late
    try {
      const result = await run
      expect(result.stdout).toContain('tenant-mirror client service listening')
    } finally {
      await late2.close()
    }
  })
})

/** `serve` as a process: until it exits, or until stdout shows `until` (then SIGTERM). */
function runServe(args: string[], until?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', ...keyArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d
    if (until && stdout.includes(until)) child.kill('SIGTERM')
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}
