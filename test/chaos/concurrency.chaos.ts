import { afterAll, expect, it } from 'vitest'
import { CHAOS_SEED, reportCounts, scaled, seededRandom } from './support/chaos-settings.ts'
import { type ChaosSystem, startChaosSystem } from './support/chaos-system.ts'
import { Workload } from './support/workload.ts'

const counts: Record<string, unknown> = {}

afterAll(() => reportCounts('concurrency', counts))

async function tablesDiffering(system: ChaosSystem, tenant: string): Promise<string[]> {
  const [source, mirror] = await Promise.all([system.sourceDigests(tenant), system.mirrorDigests(tenant)])
  return [...new Set([...source.keys(), ...mirror.keys()])].filter(
    (t) => JSON.stringify(source.get(t)) !== JSON.stringify(mirror.get(t)),
  )
}

/** Rounds in which every tenant's source changes and then every tenant's cycle runs at once. */
async function concurrentRounds(system: ChaosSystem, tenants: readonly string[], rounds: number, scale: number) {
  const random = seededRandom(CHAOS_SEED + tenants.length)
  const workloads = new Map<string, Workload>()
  for (const tenant of tenants) workloads.set(tenant, await Workload.create(system.source(tenant), random, scale))
  let cycles = 0
  const started = performance.now()
  for (let round = 0; round < rounds; round++) {
    if (round > 0) for (const w of workloads.values()) await w.step(round)
    const results = await Promise.all(tenants.map((tenant) => system.run(tenant)))
    cycles += results.length
    const failed = results.flatMap((r, i) => (r.outcome === 'ok' ? [] : [`${tenants[i]}: ${r.message}`]))
    expect(failed, `round ${round}`).toEqual([])
    for (const tenant of tenants) expect(await tablesDiffering(system, tenant), `${tenant} round ${round}`).toEqual([])
  }
  const calls = [...system.proxy.counts.values()].reduce((a, b) => a + b, 0)
  return { tenants: tenants.length, rounds, cycles, calls, seconds: Math.round(performance.now() - started) / 1000 }
}

it('keeps 50 tenants equal to their sources while all of them cycle at once against one service', async () => {
  const tenants = Array.from({ length: 50 }, (_, i) => `Cust${1000 + i}`)
  const system = await startChaosSystem('sqlite', { tenants })
  try {
    counts['50 tenants, one service (SQLite mirrors)'] = await concurrentRounds(system, tenants, scaled(4, 2), 0.04)
    expect(system.service.alive).toBe(true)
  } finally {
    await system.close()
  }
})

it('keeps tenants equal to their sources with two service instances sharing one PostgreSQL server', async () => {
  const tenants = Array.from({ length: scaled(8, 4) }, (_, i) => `Shared${i}`)
  const system = await startChaosSystem('postgres', { tenants, instances: 2 })
  try {
    counts['two service instances, one PostgreSQL'] = await concurrentRounds(system, tenants, scaled(5, 3), 0.1)
    expect(system.services.every((s) => s.alive)).toBe(true)
  } finally {
    await system.close()
  }
})
