import { afterAll, describe, expect, it } from 'vitest'
import { CHAOS_SEED, reportCounts, scaled, seededRandom } from './support/chaos-settings.ts'
import { type ChaosMirror, type ChaosSystem, startChaosSystem } from './support/chaos-system.ts'
import { Workload } from './support/workload.ts'

const MIRRORS: readonly ChaosMirror[] = ['sqlite', 'postgres']
const counts: Record<string, unknown> = {}

afterAll(() => reportCounts('crash', counts))

/** The mirror equals the source: the same tables, each with the same row count and digest. */
async function expectMirrorEqualsSource(system: ChaosSystem, when: string): Promise<void> {
  const [source, mirror] = await Promise.all([system.sourceDigests(), system.mirrorDigests()])
  expect([...mirror.keys()].sort(), when).toEqual([...source.keys()].sort())
  for (const [table, digest] of source) expect(mirror.get(table), `${table} ${when}`).toEqual(digest)
}

/** Which operations a round's cycle makes, so that kills land in each of them. */
function operationsOf(kind: 'first load' | 'rows' | 'added column' | 'retyped table'): string[] {
  if (kind === 'first load')
    return ['TableSchema', 'Wipe', 'Wipe', 'RowData', 'RowData', 'RowData', 'ReplicationCompleted']
  if (kind === 'added column') return ['TableSchema', 'TableSchema', 'RowData', 'RowData', 'ReplicationCompleted']
  if (kind === 'retyped table') return ['TableSchema', 'Wipe', 'Wipe', 'RowData', 'RowData']
  return ['TableSchema', 'RowData', 'RowData', 'RowData', 'ReplicationCompleted', 'Authenticate']
}

type Victim = 'service' | 'task'

/**
 * Kills one side at random calls of a cycle (SIGKILL, a random few milliseconds into the call,
 * so that it lands in schema changes, wipes, batch transactions and replies), lets the task
 * retry until a cycle completes, and after every round compares mirror and source.
 */
async function crashRounds(mirror: ChaosMirror, victim: Victim, target: number) {
  const random = seededRandom(CHAOS_SEED + (mirror === 'sqlite' ? 1 : 2) + (victim === 'task' ? 10 : 0))
  const system = await startChaosSystem(mirror)
  const survived: Record<string, number> = {}
  let answeredBeforeKill = 0
  let cycles = 0
  let rounds = 0
  try {
    const workload = await Workload.create(system.source(), random)
    const lastCounts = new Map<string, number>([
      ['RowData', 30],
      ['Wipe', 4],
    ])
    const cycle = async (): Promise<boolean> => {
      cycles++
      if (victim === 'service') return (await system.run()).outcome === 'ok'
      const run = await system.runTaskProcess()
      return run.code === 0
    }
    let kills = 0
    for (let round = 0; kills < target; round++) {
      rounds++
      const kind = round === 0 ? 'first load' : await workload.step(round)
      const perRound = round === 0 ? 3 : 1 + Math.floor(random() * 2)
      for (let k = 0; k < perRound && kills < target; k++) {
        const operations = operationsOf(kind)
        // The first kill of a round with a schema change or a wipe lands in that step for sure.
        const forced = kind === 'added column' ? 'TableSchema' : kind === 'rows' ? undefined : 'Wipe'
        const operation = k === 0 && forced ? forced : operations[Math.floor(random() * operations.length)]!
        const spread = operation === 'RowData' || operation === 'Wipe' ? (lastCounts.get(operation) ?? 1) : 1
        const call = 1 + Math.floor(random() * Math.max(1, spread))
        const armed = system.proxy.arm({
          operation,
          call,
          delayMs: Math.floor(random() * 12),
          kill: () => (victim === 'service' ? system.service.kill() : system.killTask()),
        })
        await cycle()
        if (!armed.reached()) {
          system.proxy.disarm()
          continue
        }
        const fired = await armed.fired
        kills++
        survived[`${kind}/${fired.operation}`] = (survived[`${kind}/${fired.operation}`] ?? 0) + 1
        if (fired.answered) answeredBeforeKill++
        if (victim === 'service') await system.service.restart()
      }
      // The task retries; a cycle must complete within a few attempts now that nothing is killed.
      const before = new Map(system.proxy.counts)
      let ok = false
      for (let attempt = 0; attempt < 4 && !ok; attempt++) ok = await cycle()
      expect(ok, `round ${round} (${kind}): no cycle completed after the kills\n${system.service.stderr}`).toBe(true)
      for (const operation of ['RowData', 'Wipe']) {
        const made = (system.proxy.counts.get(operation) ?? 0) - (before.get(operation) ?? 0)
        if (made > 0) lastCounts.set(operation, made)
      }
      await expectMirrorEqualsSource(system, `after round ${round} (${kind})`)
    }
    expect(kills).toBeGreaterThanOrEqual(target)
    const during = (operation: string) =>
      Object.entries(survived).filter(([key]) => key.endsWith(`/${operation}`) && !key.startsWith('rows/')).length
    expect(during('Wipe'), 'kills during wipes').toBeGreaterThan(0)
    expect(system.service.alive).toBe(true)
    return { crashPoints: kills, answeredBeforeKill, byRoundAndOperation: survived, rounds, cycles }
  } finally {
    await system.close()
  }
}

describe.each(MIRRORS)('%s mirror', (mirror) => {
  it('equals the source after the service is SIGKILLed at random points and the task retries', async () => {
    counts[`${mirror}/service killed`] = await crashRounds(mirror, 'service', scaled(24, 6))
  })

  it('equals the source after the task is SIGKILLed at random points and runs again', async () => {
    counts[`${mirror}/task killed`] = await crashRounds(mirror, 'task', scaled(20, 4))
  })
})
