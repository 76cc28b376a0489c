import { afterAll, describe, expect, it } from 'vitest'
import { soapActionOf } from '../../src/adapters/soap/namespaces.ts'
import { readReply } from '../support/http.ts'
import { CHAOS_SEED, reportCounts, scaled, seededRandom } from './support/chaos-settings.ts'
import { type ChaosMirror, type ChaosSystem, startChaosSystem } from './support/chaos-system.ts'
import { ServiceChild } from './support/service-child.ts'
import { Workload } from './support/workload.ts'

const MIRRORS: readonly ChaosMirror[] = ['sqlite', 'postgres']
const counts: Record<string, unknown> = {}

afterAll(() => reportCounts('delivery', counts))

async function equalToSource(system: ChaosSystem): Promise<string[]> {
  const [source, mirror] = await Promise.all([system.sourceDigests(), system.mirrorDigests()])
  const differ = [...new Set([...source.keys(), ...mirror.keys()])].filter(
    (t) => JSON.stringify(source.get(t)) !== JSON.stringify(mirror.get(t)),
  )
  return differ
}

async function cycleOk(system: ChaosSystem): Promise<void> {
  const result = await system.run()
  expect(result.outcome, result.message).toBe('ok')
}

async function postRaw(url: string, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: `"${soapActionOf('RowData')}"`,
    },
    body,
  })
  return readReply(response.status, await response.text())
}

async function superseded(service: ServiceChild): Promise<number> {
  const text = await (await fetch(`${service.base}/metrics`)).text()
  return Number(/^tenant_mirror_batches_superseded_total (\S+)$/m.exec(text)?.[1] ?? 0)
}

const lsnOf = (body: string) => Number(/LSN>(-?\d+)</.exec(body)?.[1])

describe.each(MIRRORS)('%s mirror', (mirror) => {
  it('equals the source when every RowData is delivered twice, and refuses a byte-identical replay', async () => {
    const random = seededRandom(CHAOS_SEED + 100)
    const system = await startChaosSystem(mirror)
    try {
      const workload = await Workload.create(system.source(), random, 0.5)
      system.proxy.duplicateRowData = (body) => system.resign(body)
      system.proxy.record = true
      const rounds = scaled(8, 3)
      for (let round = 0; round < rounds; round++) {
        if (round > 0) await workload.step(round)
        await cycleOk(system)
        expect(await equalToSource(system), `round ${round}`).toEqual([])
      }
      // The very same bytes again (same token, same nonce): refused, nothing written.
      const last = system.proxy.recorded.at(-1)!.body
      const lsnsBefore = await system.lsns()
      const replay = await postRaw(system.service.url, last)
      expect(replay.successful).toBe(false)
      expect(replay.error).toMatch(/nonce/i)
      expect(await system.lsns()).toEqual(lsnsBefore)
      expect(await equalToSource(system)).toEqual([])
      counts[`${mirror}/twice`] = {
        cycles: rounds,
        rowDataDeliveredTwice: system.proxy.duplicatesDelivered,
        identicalReplayRefused: 1,
      }
      expect(system.proxy.duplicatesDelivered).toBeGreaterThan(rounds)
    } finally {
      await system.close()
    }
  })

  it('acknowledges old batches replayed after newer ones without writing; -1 batches reload', async () => {
    const random = seededRandom(CHAOS_SEED + 200)
    const system = await startChaosSystem(mirror)
    try {
      const workload = await Workload.create(system.source(), random, 0.5)
      system.proxy.record = true
      await cycleOk(system)
      const firstLoad = system.proxy.recorded.splice(0)
      const perRound: string[][] = []
      // Rounds of rows and added columns (step 4 would retype a table, whose old batches no longer fit).
      for (const step of [1, 2, 3, 5, 6, 7].slice(0, scaled(6, 3))) {
        await workload.step(step)
        await cycleOk(system)
        perRound.push(system.proxy.recorded.splice(0).map((r) => r.body))
      }
      // The incremental batches of every round but the last, again: each is older than its table
      // in the mirror, so nothing may turn back.
      const incremental = perRound
        .slice(0, -1)
        .flat()
        .filter((body) => lsnOf(body) >= 0)
      const skippedBefore = await superseded(system.service)
      for (const body of incremental) {
        const reply = await postRaw(system.service.url, await system.resign(body))
        expect(reply.successful, reply.error).toBe(true)
      }
      const skipped = (await superseded(system.service)) - skippedBefore
      expect(skipped).toBeGreaterThan(0)
      expect(await equalToSource(system)).toEqual([])
      await cycleOk(system)
      expect(await equalToSource(system)).toEqual([])

      // The control: a service that applies old batches turns rows back until the next cycle.
      const applying = await ServiceChild.start({ args: [...system.serviceArgs, '--stale-batches', 'apply'] })
      let appliedDiffer: string[]
      try {
        for (const body of incremental) await postRaw(applying.url, await system.resign(body))
        appliedDiffer = await equalToSource(system)
      } finally {
        await applying.stop()
      }
      expect(appliedDiffer.length).toBeGreaterThan(0)
      await cycleOk(system)
      expect(await equalToSource(system)).toEqual([])

      // A batch of the first full load (LSN -1) is applied and leaves its table at -1: the next
      // cycle reloads the table and the mirror equals the source again.
      const reload = firstLoad.find((r) => lsnOf(r.body) === -1)!
      expect((await postRaw(system.service.url, await system.resign(reload.body))).successful).toBe(true)
      expect([...(await system.lsns()).values()]).toContain(-1)
      const result = await system.run()
      expect(result.outcome).toBe('ok')
      expect(result.tables.some((t) => t.kind === 'full')).toBe(true)
      expect(await equalToSource(system)).toEqual([])
      counts[`${mirror}/stale`] = {
        oldBatchesReplayed: incremental.length,
        acknowledgedWithoutWriting: skipped,
        tablesTurnedBackWithApplyPolicy: appliedDiffer.length,
        fullLoadBatchReplayedThenReloaded: 1,
      }
    } finally {
      await system.close()
    }
  })
})
