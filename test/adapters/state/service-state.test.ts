import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openServiceState } from '../../../src/adapters/state/open-service-state.ts'
import type { CallRecord, ServiceState } from '../../../src/application/ports/service-state.port.ts'
import { POSTGRES_URL } from '../../support/servers.ts'

const dir = mkdtempSync(join(tmpdir(), 'tm-state-'))
const pgNames: string[] = []

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** A fresh PostgreSQL database for one store (or several sharing it). */
async function pgUrl(): Promise<string> {
  const name = `tmstate_${randomBytes(4).toString('hex')}`
  pgNames.push(name)
  await admin(`create database "${name}"`)
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return url.toString()
}

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  for (const name of pgNames) await admin(`drop database if exists "${name}" with (force)`)
})

let clock = 1_800_000_000_000
const options = (retention = { days: 7, rowsPerTenant: 1000 }) => ({ retention, graceSeconds: 60, now: () => clock })

const call = (operation: string, fields: Partial<CallRecord> = {}): CallRecord => ({
  at: clock,
  contextId: 'Cust1',
  operation,
  outcome: 'ok',
  ms: 5,
  ...fields,
})

describe.each([
  ['memory', async () => 'memory:'],
  ['sqlite', async () => `sqlite:${join(dir, `state-${randomBytes(3).toString('hex')}.sqlite`)}`],
  ['postgres', pgUrl],
])('service state on %s', (_engine, urlOf) => {
  let state: ServiceState
  beforeAll(async () => {
    state = await openServiceState(await urlOf(), options({ days: 7, rowsPerTenant: 3 }))
    return () => state.close()
  })

  it('claims a nonce once until its token has expired (plus the skew)', async () => {
    const expires = clock / 1000 + 300
    expect(await state.claim('N1', expires)).toBe(true)
    expect(await state.claim('N1', expires)).toBe(false)
    expect(await state.claim('N2', expires)).toBe(true)
    clock += 361_000
    expect(await state.claim('N1', clock / 1000 + 300)).toBe(true)
    expect(await state.claim('x'.repeat(10_000), expires)).toBe(true)
  })

  it('follows a tenant through cycles: completed, failed, abandoned', async () => {
    clock += 60_000
    await state.recordCalls([
      call('Authenticate'),
      call('TableSchema'),
      call('RowData', { rows: { inserts: 7, updates: 2, deletes: 1 }, tables: [{ table: 'person', rows: 10 }] }),
      call('ReplicationCompleted'),
    ])
    clock += 1_000
    await state.recordCalls([
      call('Authenticate'),
      call('RowData', {
        outcome: 'failed',
        error: 'table person: mirror database refused the write',
        reference: 'ab12cd34',
      }),
    ])
    clock += 1_000
    await state.recordCalls([call('Authenticate'), call('TableSchema')])
    clock += 1_000
    await state.recordCalls([call('Authenticate')])
    const cycles = await state.cycles('Cust1', 10)
    expect(cycles.map((c) => [c.outcome, c.rows, c.calls])).toEqual([
      ['abandoned', 0, 2],
      ['failed', 0, 2],
      ['ok', 10, 4],
    ])
    expect(cycles[1]).toMatchObject({ error: 'table person: mirror database refused the write', reference: 'ab12cd34' })
    const tenant = await state.tenant('Cust1', clock)
    expect(tenant).toMatchObject({
      contextId: 'Cust1',
      paused: false,
      lastCall: { operation: 'Authenticate', outcome: 'ok' },
      lastError: { operation: 'RowData', reference: 'ab12cd34' },
      failures24h: 1,
    })
    expect(tenant!.lastCompletedAt).toBeLessThan(tenant!.lastError!.at)
    expect(await state.tableActivity('Cust1')).toEqual([
      { table: 'person', lastDataAt: expect.any(Number), lastRows: 10 },
    ])
  })

  it('clears the last error when a later cycle completes, keeps the error in the feed', async () => {
    await state.recordCalls([
      call('RowData', { rows: { inserts: 1, updates: 0, deletes: 0 } }),
      call('ReplicationCompleted'),
    ])
    const tenant = await state.tenant('Cust1', clock)
    expect(tenant!.lastError).toBeUndefined()
    expect(tenant!.lastCompletedAt).toBe(clock)
    const errors = await state.errors({ contextId: 'Cust1', limit: 10 })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ operation: 'RowData', reference: 'ab12cd34' })
  })

  it('counts calls, failures, rows and time per minute, per tenant and overall; faults without a tenant too', async () => {
    const since = clock - 3_600_000
    await state.recordCalls([
      {
        at: clock,
        contextId: undefined,
        operation: 'none',
        outcome: 'fault',
        ms: 1,
        error: 'request is not a SOAP 1.1 envelope',
        reference: 'ff00ff00',
      },
      call('Authenticate', { contextId: 'Cust2' }),
    ])
    const mine = await state.minutes({ contextId: 'Cust1', since })
    const all = await state.minutes({ since })
    const sum = (rows: readonly { calls: number; failures: number; rows: number }[]) =>
      rows.reduce((t, r) => ({ calls: t.calls + r.calls, failures: t.failures + r.failures, rows: t.rows + r.rows }), {
        calls: 0,
        failures: 0,
        rows: 0,
      })
    expect(sum(mine)).toEqual({ calls: 11, failures: 1, rows: 11 })
    expect(sum(all)).toEqual({ calls: 13, failures: 2, rows: 11 })
    expect((await state.errors({ limit: 1 }))[0]).toMatchObject({ contextId: undefined, reference: 'ff00ff00' })
    expect((await state.tenants(clock)).map((t) => t.contextId)).toEqual(['Cust1', 'Cust2'])
  })

  it('keeps the pause switch and the schema-change history', async () => {
    await state.setPaused('Cust2', true, clock)
    await state.setPaused('Cust9', true, clock)
    expect(await state.isPaused('Cust2')).toBe(true)
    expect(await state.isPaused('Cust1')).toBe(false)
    await state.setPaused('Cust9', false, clock)
    expect(await state.isPaused('Cust9')).toBe(false)
    await state.recordSchemaChange({
      at: clock,
      contextId: 'Cust1',
      table: 'contact',
      change: 'Altered',
      detail: 'added extra_1 nvarchar(30)',
    })
    expect(await state.schemaChanges('Cust1', 5)).toEqual([
      { at: clock, contextId: 'Cust1', table: 'contact', change: 'Altered', detail: 'added extra_1 nvarchar(30)' },
    ])
  })

  it('sweeps expired nonces and activity past the retention: days, and rows per tenant', async () => {
    for (let i = 0; i < 5; i++) {
      clock += 1_000
      await state.recordCalls([call('Authenticate'), call('ReplicationCompleted')])
    }
    expect(await state.cycles('Cust1', 100)).toHaveLength(9)
    const deleted = await state.sweep(clock)
    expect(deleted).toBeGreaterThan(0)
    expect(await state.cycles('Cust1', 100)).toHaveLength(3)
    clock += 8 * 86_400_000
    await state.sweep(clock)
    expect(await state.cycles('Cust1', 100)).toHaveLength(0)
    expect(await state.errors({ limit: 100 })).toHaveLength(0)
    expect(await state.minutes({ since: 0 })).toHaveLength(0)
    // Tenants and their pause switches stay.
    expect(await state.isPaused('Cust2')).toBe(true)
  })

  it('records a batch of calls as it records them one by one: the batch folded, not a statement set a call', async () => {
    const start = clock
    let seed = 7
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      // The high bits: an LCG's low bits repeat with short periods.
      return Math.floor(seed / 65_536) % n
    }
    const operations = ['Authenticate', 'TableSchema', 'Wipe', 'RowData', 'RowData', 'ReplicationCompleted']
    const calls: CallRecord[] = Array.from({ length: 80 }, (_, i) => {
      const operation = operations[next(operations.length)]!
      const failed = next(9) === 0
      const contextId = next(12) === 0 ? undefined : `T${next(3)}`
      const wrote = operation === 'RowData' && !failed && contextId !== undefined
      return {
        at: start + i * 2_500,
        contextId,
        operation,
        outcome: failed ? (contextId ? 'failed' : 'fault') : 'ok',
        ms: 1 + next(40),
        ...(failed ? { error: `error ${i}`, reference: `ref${i}` } : {}),
        ...(wrote
          ? {
              rows: { inserts: next(50), updates: next(5), deletes: next(3) },
              tables: [{ table: ['a', 'b'][next(2)]!, rows: next(4) }],
            }
          : {}),
      }
    })
    const one = await openServiceState(await urlOf(), options())
    const batched = await openServiceState(await urlOf(), options())
    try {
      for (const c of calls) await one.recordCalls([c])
      await batched.recordCalls(calls)
      const now = start + 80 * 2_500
      const seen = async (store: ServiceState) => ({
        tenants: await store.tenants(now),
        errors: await store.errors({ limit: 100 }),
        minutes: await store.minutes({ since: 0 }),
        byTenant: await Promise.all(
          ['T0', 'T1', 'T2'].map(async (t) => ({
            cycles: await store.cycles(t, 100),
            tables: await store.tableActivity(t),
            minutes: await store.minutes({ contextId: t, since: 0 }),
          })),
        ),
      })
      const expected = await seen(one)
      expect(expected.tenants).toHaveLength(3)
      expect(expected.byTenant.some((t) => t.cycles.length > 2 && t.tables.length > 0)).toBe(true)
      expect(await seen(batched)).toEqual(expected)
    } finally {
      await one.close()
      await batched.close()
    }
  })
})

describe('one PostgreSQL state shared by replicas', () => {
  it('lets exactly one of many concurrent claims of a nonce through, and shares the pause switch', async () => {
    const url = await pgUrl()
    const replicas = await Promise.all([1, 2, 3].map(() => openServiceState(url, options())))
    try {
      for (let round = 0; round < 5; round++) {
        const nonce = randomBytes(16).toString('hex')
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, i) => replicas[i % 3]!.claim(nonce, clock / 1000 + 300)),
        )
        expect(claims.filter(Boolean)).toHaveLength(1)
      }
      await replicas[0]!.setPaused('Cust7', true, clock)
      expect(await replicas[2]!.isPaused('Cust7')).toBe(true)
      // Calls of one tenant recorded by different replicas at once: no figure is lost.
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          replicas[i % 3]!.recordCalls([
            call('RowData', { contextId: 'Cust7', rows: { inserts: 1, updates: 0, deletes: 0 } }),
          ]),
        ),
      )
      const minutes = await replicas[1]!.minutes({ contextId: 'Cust7', since: 0 })
      expect(minutes.reduce((n, m) => n + m.rows, 0)).toBe(30)
    } finally {
      for (const replica of replicas) await replica.close()
    }
  })
})
