import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batch, type Call, rowDataCall, tableSchemaCall } from '../support/envelopes.ts'
import { federatedPublicPem, testKeys } from '../support/test-keys.ts'
import { mintToken, TEST_CLIENT_ID } from '../support/tokens.ts'
import { CHAOS_SEED, reportCounts, scaled } from './support/chaos-settings.ts'
import { opCall, personBatch, WRITES } from './support/hostile-bodies.ts'
import {
  GADGET,
  type MirrorSnapshot,
  PERSON,
  personRow,
  SEED_ROWS,
  SEEDED_LSN,
  snapshotMirror,
} from './support/hostile-mirror.ts'
import { type HostileKind, type HostileRequest, KINDS, LIMITS } from './support/hostile-plans.ts'
import { type Judged, judgeReply } from './support/hostile-replies.ts'
import { buildRequest, hostilePlan } from './support/hostile-requests.ts'
import { ServiceChild } from './support/service-child.ts'

/**
 * Generated hostile requests against `tenant-mirror serve` in its own process over loopback:
 * malformed and entity-laden XML, nesting and size beyond the limits, wrong namespaces and
 * actions, forged, stale and replayed tokens, hostile context ids and identifiers, values that
 * do not fit. Every one must get a SOAP Fault or IsSuccessful=false, promptly, and the mirror
 * must not change; the process must stay up and then still take a valid call.
 */

const REQUESTS = scaled(12_000, 1_500)
const CONCURRENCY = 4
const CHECK_EVERY = 500
const TIMEOUT_MS = 30_000

describe('hostile input, against the client service in its own process', () => {
  let dir: string
  let mirrors: string
  let child: ServiceChild

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tm-hostile-'))
    mirrors = join(dir, 'mirrors')
    const privateKey = join(dir, 'partner-private.pem')
    const federatedKey = join(dir, 'federated-public.pem')
    writeFileSync(privateKey, testKeys().partnerPrivate.export({ type: 'pkcs8', format: 'pem' }) as string, {
      mode: 0o600,
    })
    writeFileSync(federatedKey, await federatedPublicPem())
    child = await ServiceChild.start({
      args: [
        '--database',
        `sqlite:${mirrors}`,
        '--client-id',
        TEST_CLIENT_ID,
        '--private-key',
        privateKey,
        '--federated-cert',
        federatedKey,
        '--max-body-bytes',
        String(LIMITS.maxBodyBytes),
        '--max-xml-depth',
        String(LIMITS.maxXmlDepth),
        '--max-xml-elements',
        String(LIMITS.maxXmlElements),
        '--log-level',
        'error',
      ],
    })
  })

  afterAll(async () => {
    await child?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function post(request: Pick<HostileRequest, 'body' | 'headers'>): Promise<{ status: number; text: string }> {
    const streamed = typeof request.body === 'function'
    const init: RequestInit & { duplex?: 'half' } = {
      method: 'POST',
      headers: request.headers,
      body: typeof request.body === 'function' ? request.body() : request.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }
    if (streamed) init.duplex = 'half'
    const response = await fetch(child.url, init)
    return { status: response.status, text: await response.text() }
  }

  const callRequest = (call: Call) => ({
    body: call.body,
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
  })

  /** A valid call: it must succeed. */
  async function succeed(call: Call): Promise<void> {
    const { status, text } = await post(callRequest(call))
    expect(status, text).toBe(200)
    expect(text, text).toContain('<IsSuccessful>true</IsSuccessful>')
  }

  it(`refuses ${REQUESTS} generated hostile requests without a write, a crash or a hang`, async () => {
    const started = Date.now()
    // A real mirror to protect: two tables with rows and LSNs.
    await succeed(await tableSchemaCall([PERSON, GADGET]))
    await succeed(
      await rowDataCall([batch(PERSON, SEEDED_LSN, SEED_ROWS.person), batch(GADGET, SEEDED_LSN, SEED_ROWS.gadget)]),
    )
    // Tokens already used once: the base of every mutated envelope, so that no mutation can make a usable call.
    const spentTokens: string[] = []
    for (let i = 0; i < 8; i++) {
      const token = await mintToken()
      await succeed(await opCall('Authenticate', token, 0))
      spentTokens.push(token)
    }
    const baseline: MirrorSnapshot = snapshotMirror(mirrors)
    expect(baseline.rows).toMatchObject({ person: SEED_ROWS.person.length, gadget: SEED_ROWS.gadget.length })
    expect(baseline.files).toEqual(['Mirror_Cust12345.sqlite'])

    const byKind = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<HostileKind, number>
    const byVariant: Record<string, number> = {}
    const byStatus: Record<string, number> = {}
    const counts = { requests: 0, faults: 0, refused: 0, writesRefused: 0, primers: 0, checkpoints: 0 }
    let sinceCheck: string[] = []
    let nextCheck = CHECK_EVERY

    const checkpoint = async () => {
      const recent = () => tally(sinceCheck)
      expect(child.alive, `the service exited: ${child.stderr}`).toBe(true)
      const health = await fetch(`${child.base}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
      expect(health.status, `healthz after ${counts.requests} requests`).toBe(200)
      const now = snapshotMirror(mirrors)
      expect(now.files, `a database appeared; requests since the last check: ${recent()}`).toEqual(baseline.files)
      expect(now.digest, `the mirror changed; requests since the last check: ${recent()}`).toBe(baseline.digest)
      counts.checkpoints++
      sinceCheck = []
    }

    const sendOne = async (request: HostileRequest): Promise<Judged> => {
      if (request.primer) {
        const first = judgeFirstUse(await post(callRequest(request.primer.call)))
        expect(first, `the replayed token's first use (${request.variant})`).toBe(request.primer.successful)
        counts.primers++
      }
      let reply: { status: number; text: string }
      try {
        reply = await post(request)
      } catch (error) {
        const cause =
          error instanceof Error
            ? `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`
            : String(error)
        throw new Error(
          `${request.kind}/${request.variant} (${request.op}): no reply: ${cause}; service alive: ${child.alive}`,
        )
      }
      return judgeReply(request, reply)
    }

    await fc.assert(
      fc.asyncProperty(fc.array(hostilePlan, { minLength: CONCURRENCY, maxLength: CONCURRENCY }), async (plans) => {
        const requests = await Promise.all(plans.map((plan) => buildRequest(plan, { spentTokens })))
        const judged = await Promise.all(requests.map(sendOne))
        requests.forEach((request, i) => {
          counts.requests++
          byKind[request.kind]++
          const variant = `${request.kind}/${request.variant}`
          byVariant[variant] = (byVariant[variant] ?? 0) + 1
          const verdict = judged[i]!
          byStatus[verdict.status] = (byStatus[verdict.status] ?? 0) + 1
          if (verdict.verdict === 'fault') counts.faults++
          else counts.refused++
          if (request.op && WRITES.includes(request.op)) counts.writesRefused++
          sinceCheck.push(variant)
        })
        if (counts.requests >= nextCheck) {
          await checkpoint()
          nextCheck += CHECK_EVERY
        }
      }),
      { seed: CHAOS_SEED, numRuns: Math.ceil(REQUESTS / CONCURRENCY), endOnFailure: true },
    )
    await checkpoint()

    for (const kind of KINDS) expect(byKind[kind], `no ${kind} request was generated`).toBeGreaterThan(0)
    expect(counts.requests).toBeGreaterThanOrEqual(REQUESTS)

    // Still serving: a valid RowData is applied.
    await succeed(
      await rowDataCall([
        personBatch([{ operation: 'I', values: personRow(500, 'After the storm') }], String(SEEDED_LSN + 10)),
      ]),
    )
    const after = snapshotMirror(mirrors)
    expect(after.digest).not.toBe(baseline.digest)
    expect(after.rows.person).toBe(SEED_ROWS.person.length + 1)
    expect(after.files).toEqual(baseline.files)
    expect(child.alive).toBe(true)

    reportCounts('hostile-input', {
      requests: counts.requests,
      byKind,
      faults: counts.faults,
      refusedWithIsSuccessfulFalse: counts.refused,
      writesRefused: counts.writesRefused,
      replayPrimers: counts.primers,
      checkpoints: counts.checkpoints,
      byStatus,
      variants: Object.keys(byVariant).length,
      byVariant,
      processRestarts: child.starts - 1,
      durationMs: Date.now() - started,
    })
    expect(child.starts).toBe(1)
  })
})

/** Whether the first use of a token succeeded. */
function judgeFirstUse(reply: { status: number; text: string }): boolean {
  return reply.status === 200 && reply.text.includes('<IsSuccessful>true</IsSuccessful>')
}

function tally(items: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1)
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ')
}
