import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { MYSQL_URL, POSTGRES_URL } from '../support/servers.ts'
import { CHAOS_SEED, reportCounts, scaled, seededRandom } from './support/chaos-settings.ts'
import { type ChaosSystem, startChaosSystem } from './support/chaos-system.ts'
import { Workload } from './support/workload.ts'

/**
 * The mirror database's server drops the service's connections at random moments of a call —
 * PostgreSQL's pg_terminate_backend, MariaDB's KILL — while it creates a new tenant's database
 * and tables (TableSchema), applies batches (RowData) and empties tables (Wipe). The service
 * process must survive every one, answer the call it was in as failed for a transient reason
 * that gives away no secret, and the task's next cycles must leave every mirror equal to its
 * source.
 */

type Engine = 'postgres' | 'mysql'
type Phase = 'TableSchema' | 'RowData' | 'Wipe'
const ENGINES: readonly Engine[] = ['postgres', 'mysql']
/** Kills per phase and engine: 3 phases × 2 engines × 9 = 54 in the quick setting, 120 in full. */
const PER_PHASE = scaled(20, 9)
/** Cycles after a kill before the mirror must have converged. */
const RECOVERY_CYCLES = 5
const counts: Record<string, unknown> = {}

afterAll(() => reportCounts('database-faults', counts))

interface Killer {
  /** Drops the service's connections to the tenant's mirror database and its admin connections; how many. */
  kill(database: string): Promise<number>
  close(): Promise<void>
}

/** Only this system's connections (see ChaosSystem.mirrorTag): other processes share the servers. */
async function killer(engine: Engine, tag: string): Promise<Killer> {
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    return {
      async kill(database) {
        const { rows } = await admin.query(
          `select pg_terminate_backend(pid) as killed from pg_stat_activity
            where pid <> pg_backend_pid() and (datname = $1 or application_name = $2)`,
          [database, tag],
        )
        return rows.filter((r) => r.killed).length
      },
      close: () => admin.end(),
    }
  }
  const admin = await createConnection({ uri: MYSQL_URL })
  return {
    async kill(database) {
      const [rows] = await admin.query(
        'select id from information_schema.processlist where id <> connection_id() and db in (?, ?)',
        [database, tag],
      )
      let killed = 0
      for (const { id } of rows as { id: number }[]) {
        // A connection may end by itself between the list and the kill.
        await admin.query(`kill ${Number(id)}`).then(
          () => killed++,
          () => undefined,
        )
      }
      return killed
    },
    close: () => admin.end(),
  }
}

async function expectMirrorEqualsSource(system: ChaosSystem, tenant: string, when: string): Promise<void> {
  const [source, mirror] = await Promise.all([system.sourceDigests(tenant), system.mirrorDigests(tenant)])
  expect([...mirror.keys()].sort(), `${tenant} ${when}`).toEqual([...source.keys()].sort())
  for (const [table, digest] of source) expect(mirror.get(table), `${tenant}.${table} ${when}`).toEqual(digest)
}

async function expectServiceAlive(system: ChaosSystem, pid: number | undefined, when: string): Promise<void> {
  expect(system.service.alive, `${when}: the service exited\n${system.service.stderr}`).toBe(true)
  expect(system.service.pid, `${when}: the service was restarted`).toBe(pid)
  expect((await fetch(`${system.service.base}/healthz`)).status).toBe(200)
}

/** A failed call's reason, as the task recorded it: transient, and no URL with credentials in it. */
function expectTransientReason(message: string, when: string): void {
  expect(message, `${when}: not a transient mirror failure`).toMatch(/refused the write \(transient\)/)
  expect(message, `${when}: a URL with credentials`).not.toMatch(/\/\/[^\s/]*@/)
}

async function faultRounds(engine: Engine) {
  const random = seededRandom(CHAOS_SEED + (engine === 'postgres' ? 31 : 32))
  // One tenant per new-tenant kill and per Wipe kill (a first load wipes every table), one for the RowData rounds.
  const fresh = Array.from({ length: 2 * PER_PHASE }, (_, i) => `New${i}`)
  const system = await startChaosSystem(engine, { tenants: ['Steady', ...fresh] })
  const kills = await killer(engine, system.mirrorTag)
  const pid = system.service.pid
  const tally = {
    TableSchema: 0,
    RowData: 0,
    Wipe: 0,
    connectionsDropped: 0,
    answeredBeforeKill: 0,
    failedCalls: 0,
    /** The most cycles a tenant needed after a kill before one completed. */
    mostRecoveryCycles: 0,
  }
  /** Each distinct reason a failed call gave, numbers blanked. */
  const reasons = new Set<string>()
  let cycles = 0
  try {
    /** Arms a kill of the tenant's connections on a call, runs a cycle, then cycles until one completes. */
    const faultedCycle = async (tenant: string, operation: Phase, call: number) => {
      const armed = system.proxy.arm({
        operation,
        call,
        delayMs: Math.floor(random() * (operation === 'TableSchema' ? 40 : 8)),
        kill: async () => {
          tally.connectionsDropped += await kills.kill(system.mirrorDatabase(tenant))
        },
      })
      cycles++
      let result = await system.run(tenant)
      if (!armed.reached()) {
        system.proxy.disarm()
        return
      }
      const fired = await armed.fired
      tally[operation]++
      if (fired.answered) tally.answeredBeforeKill++
      const when = `${tenant}: after a kill in ${operation} (call ${call}, ${fired.delayMs} ms)`
      await expectServiceAlive(system, pid, when)
      let recovery = 0
      while (result.outcome === 'failed') {
        tally.failedCalls++
        reasons.add(result.message.replace(/\b\d+\b/g, 'N'))
        expectTransientReason(result.message, when)
        expect(recovery, `${when}: no cycle completed; last: ${result.message}`).toBeLessThan(RECOVERY_CYCLES)
        recovery++
        cycles++
        result = await system.run(tenant)
      }
      expect(result.outcome, when).toBe('ok')
      tally.mostRecoveryCycles = Math.max(tally.mostRecoveryCycles, recovery)
      await expectMirrorEqualsSource(system, tenant, `after a kill in ${operation}`)
    }

    // New tenants: the kill lands while the service creates the database and its first tables, or in its Wipes.
    for (const [i, tenant] of fresh.entries()) {
      await Workload.create(system.source(tenant), random, 0.1)
      const operation = i < PER_PHASE ? 'TableSchema' : 'Wipe'
      await faultedCycle(tenant, operation, operation === 'Wipe' ? 1 + Math.floor(random() * 4) : 1)
    }

    // An established tenant: kills inside RowData batches of its first load and of incremental rounds.
    const workload = await Workload.create(system.source('Steady'), random)
    for (let round = 0; tally.RowData < PER_PHASE; round++) {
      expect(round, 'RowData kills keep missing their call').toBeLessThan(PER_PHASE * 4)
      if (round > 0) await workload.step(round)
      await faultedCycle('Steady', 'RowData', 1 + Math.floor(random() * (round === 0 ? 30 : 3)))
    }

    await expectServiceAlive(system, pid, 'at the end')
    // Kills of one tenant's connections must have left every other tenant's mirror intact too.
    for (const tenant of ['Steady', ...fresh]) await expectMirrorEqualsSource(system, tenant, 'at the end')
    expect(tally.TableSchema).toBe(PER_PHASE)
    expect(tally.Wipe).toBe(PER_PHASE)
    expect(tally.RowData).toBe(PER_PHASE)
    expect(tally.connectionsDropped).toBeGreaterThan(3 * PER_PHASE)
    expect(tally.failedCalls, 'no kill made a call fail: the kills miss the calls').toBeGreaterThan(0)
    return { ...tally, kills: tally.TableSchema + tally.RowData + tally.Wipe, cycles, reasons: [...reasons].sort() }
  } finally {
    await kills.close()
    await system.close()
  }
}

describe.each(ENGINES)('%s mirror', (engine) => {
  it(`survives ${3 * PER_PHASE} dropped connections in TableSchema of new tenants, RowData and Wipe`, async () => {
    counts[engine] = await faultRounds(engine)
  })
})
