import { randomBytes } from 'node:crypto'
import type { Logger } from '../../../src/application/ports/logger.port.ts'
import { RunMirroringCycle } from '../../../src/application/task/run-mirroring-cycle.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import { encodeWireValue } from '../../../src/domain/changes/wire-value.ts'
import type { RegisteredApplication } from '../../../src/domain/registry/registered-application.ts'
import { DEFAULT_BATCH_SIZE } from '../../../src/domain/task/preferences.ts'
import { InMemoryTrackedDatabase } from '../../fakes/in-memory-change-source.ts'
import { InMemoryRegistry } from '../../fakes/in-memory-registry.ts'
import { InProcessMirroringClient } from '../../fakes/in-process-mirroring-client.ts'
import { schemaOf } from '../../support/schemas.ts'
import { harness } from '../harness.ts'

export const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {} }

export const APP: RegisteredApplication = {
  clientId: 'app',
  clientSecret: 'secret',
  name: 'Partner app',
  mirroringEnabled: true,
  mirroringUrl: 'http://partner.example/MirroringClientService.svc',
  publicKey: 'partner-key',
  environment: 'development',
}

/**
 * The whole system without I/O: the task's cycle over an in-memory tracked source, talking to
 * the service's use cases over an in-memory mirror. What the adapters' end-to-end tests do
 * over HTTP and real engines, this does in milliseconds.
 */
export async function cycleHarness(
  options: { batchSize?: number; skipTable?: string[]; fullLoadCalls?: number; callsInFlight?: number } = {},
) {
  const service = harness()
  const source = new InMemoryTrackedDatabase()
  const client = new InProcessMirroringClient(service)
  const registry = new InMemoryRegistry()
  const signatures = {
    /** The harness signs as base64("signed:" + input). */
    verify: (key: string, input: string, signature: Uint8Array) =>
      key === APP.publicKey && Buffer.from(signature).toString() === `signed:${input}`,
  }
  const cycle = new RunMirroringCycle({
    registry,
    events: registry,
    sources: source,
    clients: client,
    tokens: { issue: async (claims) => JSON.stringify(claims) },
    signatures,
    random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
    clock: service.clock,
    logger: QUIET,
    environment: 'development',
    blockedTables: ['config'],
    fullLoadCalls: options.fullLoadCalls,
    callsInFlight: options.callsInFlight,
  })
  await registry.addApplication(APP)
  await registry.addTenant({
    contextId: 'Cust1',
    sourceUrl: 'memory:',
    skipTable: options.skipTable ?? [],
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
  })
  await registry.approve('Cust1', 'app', service.clock.now())
  const pair = { contextId: 'Cust1', clientId: 'app' }

  /** Rows of a mirror table in key order, encoded as wire text so that tables compare exactly. */
  async function mirrorRows(table: string): Promise<(string | null)[][]> {
    const db = await service.mirrors.forTenant('Cust1' as never)
    const state = (await db.readState()).tables.get(table.toLowerCase())
    if (!state?.schema) return []
    const out: (string | null)[][] = []
    for await (const row of (await service.inspect('Cust1')).readRows(table)) out.push(encode(state.schema, row))
    return out
  }

  function sourceRows(table: string): (string | null)[][] {
    const t = source.tables.get(table)!
    const schema = schemaOf(t.schema)
    return [...t.rows.values()].sort((a, b) => Number(a[0]) - Number(b[0])).map((row) => encode(schema, row))
  }

  async function lsn(table: string): Promise<number | undefined> {
    const db = await service.mirrors.forTenant('Cust1' as never)
    return (await db.readState()).tables.get(table.toLowerCase())?.lsn
  }

  return {
    service,
    source,
    client,
    registry,
    cycle,
    pair,
    run: () => cycle.execute(pair),
    mirrorRows,
    sourceRows,
    lsn,
  }
}

/**
 * Runs a cycle with its RowData calls held at a gate and let go a gateful at a time, once
 * `width` are waiting (or the cycle is done), so that calls are always waiting when the task
 * reaches a table's last batch. `held`: the most that were ever waiting at once.
 */
export async function runGated(h: Awaited<ReturnType<typeof cycleHarness>>, width: number) {
  const running = h.run()
  let done = false
  void running.then(() => {
    done = true
  })
  let held = 0
  while (!done) {
    let release = () => {}
    h.client.gate = new Promise<void>((resolve) => {
      release = resolve
    })
    for (let i = 0; i < 200 && !done && h.client.inFlight < width; i++) await new Promise((r) => setImmediate(r))
    for (let i = 0; i < 20 && !done; i++) await new Promise((r) => setImmediate(r))
    held = Math.max(held, h.client.inFlight)
    release()
  }
  h.client.gate = undefined
  return { result: await running, held }
}

function encode(schema: ReturnType<typeof schemaOf>, row: Row): (string | null)[] {
  return schema.columns.map((c, i) => encodeWireValue(row[i]!, c.type))
}
