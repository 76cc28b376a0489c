import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../chaos/support/service-child.ts'
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
import { federatedPublicPem, testKeys } from '../support/test-keys.ts'
import { TEST_CLIENT_ID } from '../support/tokens.ts'

/**
 * The limits issue 16 found holding when it probed a running `serve`, kept so: each probe
 * against the real process, with its log captured to look for secrets afterwards.
 */

const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname
const ADMIN_TOKEN = 'probed-admin-token-5f1e2d3c4b5a69788796'
const dir = mkdtempSync(join(tmpdir(), 'tm-probed-'))
const PATH = '/MirroringClientService.svc'
/** The probe: 300 connections sending their headers slowly for 40 s. */
const SLOW_CONNECTIONS = 300
const SLOW_SECONDS = 40

let child: ChildProcess
let port: number
let log = ''
const tokens: string[] = []

beforeAll(async () => {
  port = await freePort()
  const privateKey = join(dir, 'partner.pem')
  const federated = join(dir, 'federated.pem')
  writeFileSync(privateKey, testKeys().partnerPrivate.export({ type: 'pkcs8', format: 'pem' }) as string, {
    mode: 0o600,
  })
  writeFileSync(federated, await federatedPublicPem())
  child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--client-id',
      TEST_CLIENT_ID,
      '--private-key',
      privateKey,
      '--federated-cert',
      federated,
      '--database',
      `sqlite:${join(dir, 'mirrors')}`,
      '--state',
      `sqlite:${join(dir, 'state.sqlite')}`,
      '--log-level',
      'trace',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MIRROR_ADMIN_TOKEN: ADMIN_TOKEN } },
  )
  const collect = (chunk: Buffer) => {
    log += chunk.toString()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${log}`)
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break
    if (i > 400) throw new Error(`serve did not start: ${log}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}, 30_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  rmSync(dir, { recursive: true, force: true })
})

const tokenOf = (call: Call) => /<h:SignedToken[^>]*>([^<]+)</.exec(call.body)?.[1] ?? ''

async function send(call: Call | { action: string; body: string }) {
  const token = tokenOf(call)
  if (token) tokens.push(token)
  const response = await fetch(`http://127.0.0.1:${port}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
    body: call.body,
  })
  return { status: response.status, reply: readReply(response.status, await response.text()) }
}

/** Writes `head` on a raw connection and resolves with the status line of what comes back. */
function rawExchange(head: string): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head))
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)
      if (status) resolve({ status: Number(status[1]), socket })
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error(`closed without an answer: ${JSON.stringify(answer)}`)))
  })
}

async function healthy(): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.ok)
    .catch(() => false)
}

describe('probed limits of a running `serve`', () => {
  it('answers a declared 2 GB body with 413 before a byte of it arrives', async () => {
    const { status, socket } = await rawExchange(
      `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: 2147483648\r\n\r\n`,
    )
    socket.destroy()
    expect(status).toBe(413)
    expect(await healthy()).toBe(true)
  })

  it('refuses 200,000-deep nesting, before the token and inside a call with a valid one', async () => {
    const deep = `${'<a>'.repeat(200_000)}${'</a>'.repeat(200_000)}`
    const before = await send({
      action: 'http://www.superoffice.com/online/mirroring/0.1/IMirroringClientService/RowData',
      body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>${deep}</s:Header></s:Envelope>`,
    })
    expect(before.status).toBeGreaterThanOrEqual(400)
    expect(before.status).toBeLessThan(500)
    const call = await rowDataCall([batch(peopleTable(), 3, [['[I:1]', 'Ann', null]])])
    const inside = await send({
      action: call.action,
      body: call.body.replace('<ClientState/>', `<ClientState>${deep}</ClientState>`),
    })
    expect([400, 413]).toContain(inside.status)
    expect(await healthy()).toBe(true)
  })

  it(`keeps /healthz and calls answering while ${SLOW_CONNECTIONS} connections send their headers slowly for ${SLOW_SECONDS} s`, async () => {
    const sockets: Socket[] = []
    let opened = 0
    for (let i = 0; i < SLOW_CONNECTIONS; i++) {
      const socket = connect(port, '127.0.0.1', () => {
        opened++
        socket.write(`POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n`)
      })
      socket.on('error', () => {})
      sockets.push(socket)
    }
    const drip = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write('X-Slow: 1\r\n')
    }, 2_000)
    const checks: boolean[] = []
    const deadline = Date.now() + SLOW_SECONDS * 1000
    try {
      while (Date.now() < deadline) {
        checks.push(await healthy())
        await new Promise((r) => setTimeout(r, 2_000))
      }
      expect((await send(await authenticateCall({ contextId: 'Cust7001' }))).reply.successful).toBe(true)
    } finally {
      clearInterval(drip)
      for (const socket of sockets) socket.destroy()
    }
    expect(opened).toBe(SLOW_CONNECTIONS)
    expect(checks.length).toBeGreaterThanOrEqual(SLOW_SECONDS / 3)
    expect(checks.every(Boolean)).toBe(true)
  }, 120_000)

  it('writes no token, private key or admin token to its log or /metrics', async () => {
    const people = peopleTable()
    for (const call of [
      await authenticateCall({ contextId: 'Cust7002' }),
      await tableSchemaCall([people], { contextId: 'Cust7002' }),
      await rowDataCall([batch(people, 3, [['[I:1]', 'Ann', null]])], { contextId: 'Cust7002' }),
      await completedCall([], { contextId: 'Cust7002' }),
    ]) {
      expect((await send(call)).reply.successful).toBe(true)
    }
    // A refused call: its token (expired) is the kind of thing an error path might echo.
    const expired = await rowDataCall([batch(people, 4, [['[I:2]', 'Bob', null]])], {
      contextId: 'Cust7002',
      now: Date.now() - 2 * 3600_000,
    })
    expect((await send(expired)).reply.successful).toBe(false)
    const wrongAdmin = await fetch(`http://127.0.0.1:${port}/admin/api/tenants`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN.replace('5f1e', 'xxxx')}` },
    })
    expect(wrongAdmin.status).toBe(401)
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).toContain('tenant_mirror_calls_total')
    await new Promise((r) => setTimeout(r, 200)) // the log is asynchronous
    expect(log).toContain('Cust7002') // the log is there and at trace level: an empty one would prove nothing
    const keyLines = readFileSync(join(dir, 'partner.pem'), 'utf8')
      .split('\n')
      .filter((line) => line.length > 40)
    for (const secret of [...tokens, ...tokens.map((t) => t.split('.')[2]!), ...keyLines, ADMIN_TOKEN]) {
      expect(log).not.toContain(secret)
      expect(metrics).not.toContain(secret)
    }
    expect(tokens.length).toBeGreaterThanOrEqual(5)
  })
})
