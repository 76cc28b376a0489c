import { describe, expect, it } from 'vitest'
import { InMemoryMirrorDatabases } from '../../src/adapters/memory/in-memory-mirror-database.ts'
import { KeyedMutex } from '../../src/application/keyed-mutex.ts'
import {
  type MirrorDatabaseProvider,
  type MirrorState,
  StaleStateError,
} from '../../src/application/ports/mirror-database.port.ts'
import type { ContextId } from '../../src/domain/handshake/context-id.ts'
import type { WireTableSchema } from '../../src/domain/protocol/messages.ts'
import { mirroringHarness } from '../../src/testing/harness.ts'
import { batch, peopleTable } from '../support/envelopes.ts'
import { column, schemaOf } from '../support/schemas.ts'
import { harness } from './harness.ts'

const orders: WireTableSchema = {
  name: 'orders',
  columns: [column('order_id', 'int', 'false'), column('total', 'money')],
}

async function rowsOf(h: ReturnType<typeof harness>, contextId: string, table: string) {
  const out = []
  for await (const row of (await h.inspect(contextId)).readRows(table)) out.push(row)
  return out
}

async function lsns(h: ReturnType<typeof harness>, contextId = 'Cust1') {
  const state = await (await h.mirrors.forTenant(contextId as ContextId)).readState()
  return Object.fromEntries([...state.tables.values()].map((t) => [t.table, t.lsn]))
}

describe('Authenticate', () => {
  it('signs the token nonce with the current UTC minute', async () => {
    const h = harness()
    const token = h.token('Cust1', { nonce: 'ABCDEF' })
    const out = await h.authenticate.execute({ signedToken: token, clientState: '' })
    expect(out.result).toMatchObject({
      ok: true,
      value: { supportedInterfaces: '1', build: 'test-build', clientState: '', additionalInformationJson: '' },
    })
    if (!out.result.ok) return
    const [nonce, stamp, signature] = out.result.value.signedApplicationToken.split('.')
    expect([nonce, stamp]).toEqual(['ABCDEF', '202601011200'])
    expect(Buffer.from(signature!, 'base64').toString()).toBe('signed:ABCDEF.202601011200')
    expect(out.contextId).toBe('Cust1')
  })

  it('answers doNotReplicate while the integrator pauses the tenant', async () => {
    const h = harness()
    h.admin.paused.add('Cust1')
    const out = await h.authenticate.execute({ signedToken: h.token(), clientState: '' })
    expect(out.result).toMatchObject({ ok: true, value: { additionalInformationJson: '{"doNotReplicate":"true"}' } })
  })

  it('refuses a replayed nonce', async () => {
    const h = harness()
    const token = h.token()
    expect((await h.authenticate.execute({ signedToken: token, clientState: '' })).result.ok).toBe(true)
    expect((await h.authenticate.execute({ signedToken: token, clientState: '' })).result).toMatchObject({
      ok: false,
      error: { kind: 'TokenNonceReplayed' },
    })
  })

  it('refuses a call without a token', async () => {
    const h = harness()
    expect((await h.authenticate.execute({ signedToken: '  ', clientState: '' })).result).toMatchObject({
      error: { kind: 'TokenMissing' },
    })
  })
})

describe('TableSchema', () => {
  it('creates tables and answers their LSNs in request order', async () => {
    const h = harness()
    const out = await h.tableSchema.execute({
      signedToken: h.token(),
      clientState: '',
      tables: [peopleTable(), orders],
    })
    expect(out.result).toEqual({
      ok: true,
      value: {
        lsns: [
          { table: 'person', lsn: -1 },
          { table: 'orders', lsn: -1 },
        ],
      },
    })
    expect(h.admin.tables).toEqual([
      { table: 'person', change: 'Created' },
      { table: 'orders', change: 'Created' },
    ])
  })

  it('keeps the LSN of an unchanged table, and of an altered one', async () => {
    const h = harness()
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch(peopleTable(), 77, [['[I:1]', 'Ann', null]])],
    })
    const same = await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    expect(same.result).toMatchObject({ ok: true, value: { lsns: [{ table: 'person', lsn: 77 }] } })
    const altered = await h.tableSchema.execute({
      signedToken: h.token(),
      clientState: '',
      tables: [peopleTable([column('note', 'nvarchar(max)')])],
    })
    expect(altered.result).toMatchObject({ ok: true, value: { lsns: [{ table: 'person', lsn: 77 }] } })
    expect(h.admin.tables.map((t) => t.change)).toEqual(['Created', 'None', 'Altered'])
  })

  it('recreates a narrowed table and answers LSN -1 so that it is reloaded', async () => {
    const h = harness()
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch(peopleTable(), 77, [['[I:1]', 'Ann', null]])],
    })
    const narrowed = { ...peopleTable(), columns: peopleTable().columns.slice(0, 2) }
    const out = await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [narrowed] })
    expect(out.result).toMatchObject({ ok: true, value: { lsns: [{ table: 'person', lsn: -1 }] } })
    expect(await rowsOf(h, 'Cust1', 'person')).toEqual([])
    expect(h.admin.tables.at(-1)).toEqual({ table: 'person', change: 'Recreated' })
  })

  it('drops a table no longer requested only when the mirror created it', async () => {
    const mirrors = new InMemoryMirrorDatabases()
    const h = harness(mirrors)
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable(), orders] })
    ;(await mirrors.forTenant('Cust1' as ContextId)).foreignTables.add('partner_report')
    const out = await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    expect(out.result.ok).toBe(true)
    const state = await (await mirrors.forTenant('Cust1' as ContextId)).readState()
    expect([...state.tables.keys()]).toEqual(['person'])
    expect(state.physicalTables.has('partner_report')).toBe(true)
  })

  it.each([
    [
      'an unsupported type',
      [peopleTable(), { name: 'geo', columns: [column('id', 'int', 'false'), column('shape', 'geography')] }],
      'UnsupportedColumnType',
    ],
    ['a duplicate table', [peopleTable(), { ...peopleTable(), name: 'PERSON' }], 'DuplicateTable'],
    [
      'the metadata table name',
      [peopleTable(), { name: 'Cust1_mirroring', columns: [column('id', 'int', 'false')] }],
      'ReservedTableName',
    ],
  ])('changes nothing when the request has %s', async (_, tables, kind) => {
    const h = harness()
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [orders] })
    const out = await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables })
    expect(out.result).toMatchObject({ ok: false, error: { kind } })
    expect(await lsns(h)).toEqual({ orders: -1 })
  })

  it('fails the call when an integrator hook throws', async () => {
    const h = harness()
    h.admin.failOn = 'onBeforeReplicateTable'
    const out = await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    expect(out.result).toMatchObject({ ok: false, error: { kind: 'HookFailed', hook: 'onBeforeReplicateTable' } })
    expect(h.admin.events.at(-1)).toMatchObject({ operation: 'TableSchema', type: 'Error' })
  })

  it('refuses names longer than the mirror engine keeps, before touching anything', async () => {
    const mirrors = new InMemoryMirrorDatabases({ identifierLimit: { length: 12, unit: 'bytes' } })
    const h = harness(mirrors)
    const out = await h.tableSchema.execute({
      signedToken: h.token('C1'),
      clientState: '',
      tables: [orders, { name: 'ørestad_øre', columns: [column('id', 'int', 'false')] }],
    })
    expect(out.result).toMatchObject({
      ok: false,
      error: { kind: 'IdentifierTooLong', name: 'ørestad_øre', limit: '12 bytes' },
    })
    expect((await (await mirrors.forTenant('C1' as ContextId)).readState()).tables.size).toBe(0)
  })

  it('keeps tenants apart: the context id comes from the token', async () => {
    const h = harness()
    await h.tableSchema.execute({ signedToken: h.token('CustA'), clientState: '', tables: [peopleTable()] })
    await h.tableSchema.execute({ signedToken: h.token('CustB'), clientState: '', tables: [orders] })
    expect(await lsns(h, 'CustA')).toEqual({ person: -1 })
    expect(await lsns(h, 'CustB')).toEqual({ orders: -1 })
  })
})

describe('RowData', () => {
  async function ready() {
    const h = harness()
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable(), orders] })
    return h
  }

  it('applies I, U and D, and the same calls twice give the same mirror', async () => {
    const h = await ready()
    const calls = [
      [
        batch(peopleTable(), 10, [
          ['[I:1]', 'Ann', '[F:1.5]'],
          ['[I:2]', 'Bob', null],
        ]),
      ],
      [
        batch(peopleTable(), 11, [['[I:2]', 'Bobby', '[F:2]']], 'U'),
        batch(peopleTable(), 11, [['[I:1]', null, null]], 'D'),
      ],
    ]
    for (const batches of [...calls, ...calls]) {
      const out = await h.rowData.execute({ signedToken: h.token(), clientState: '', batches })
      expect(out.result.ok).toBe(true)
    }
    expect(await rowsOf(h, 'Cust1', 'person')).toEqual([[2, 'Bobby', '2.00']])
    expect(await lsns(h)).toMatchObject({ person: 11 })
  })

  it('times decoding and writing by its stopwatch, the wait for the locks counted as writing', async () => {
    let now = 100
    // Every reading moves the clock on by 1; holding the tables' locks takes 40 more.
    class SlowLocks extends KeyedMutex {
      override run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
        now += 40
        return super.run(keys, work)
      }
    }
    const h = mirroringHarness({ locks: new SlowLocks(), stopwatch: () => now++ })
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    now = 1_000
    const out = await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch(peopleTable(), 10, [['[I:1]', 'Ann', null]])],
    })
    expect(out.result).toMatchObject({ ok: true, value: { times: { decodeMs: 1 } } })
    const times = out.result.ok ? out.result.value.times : undefined
    expect(times?.writeMs).toBeGreaterThanOrEqual(41)
    // Without a stopwatch, nothing is timed.
    const plain = await ready()
    const untimed = await plain.rowData.execute({
      signedToken: plain.token(),
      clientState: '',
      batches: [batch(peopleTable(), 10, [['[I:1]', 'Ann', null]])],
    })
    expect(untimed.result.ok && untimed.result.value.times).toBeUndefined()
  })

  it('acknowledges a replayed older batch without writing it, and tells the integrator', async () => {
    const h = await ready()
    const call = (lsn: number, name: string) =>
      h.rowData.execute({
        signedToken: h.token(),
        clientState: '',
        batches: [batch(peopleTable(), lsn, [['[I:1]', name, null]])],
      })
    expect((await call(10, 'Ann')).result).toMatchObject({ ok: true, value: { superseded: [] } })
    expect((await call(12, 'Ann B')).result.ok).toBe(true)
    const replay = await call(10, 'Ann')
    expect(replay.result).toMatchObject({
      ok: true,
      value: { batches: [], superseded: [{ table: 'person', lsn: 10, storedLsn: 12 }] },
    })
    expect(await rowsOf(h, 'Cust1', 'person')).toEqual([[1, 'Ann B', null]])
    expect(await lsns(h)).toMatchObject({ person: 12 })
    expect(h.admin.events.at(-1)).toMatchObject({
      operation: 'RowData',
      type: 'Information',
      message: expect.stringContaining('person LSN 10 < 12'),
    })
  })

  it('writes nothing of the call when one value does not fit, and names table, row and column', async () => {
    const h = await ready()
    await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch(orders, 5, [['[I:1]', '[F:10]']])],
    })
    const out = await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [
        batch(orders, 6, [['[I:2]', '[F:20]']]),
        batch(peopleTable(), 6, [
          ['[I:1]', 'Ann', null],
          ['[I:2]', 'Bob', '[F:abc]'],
        ]),
      ],
    })
    expect(out.result).toMatchObject({
      ok: false,
      error: { kind: 'ValueDoesNotFit', table: 'person', row: 2, column: 'amount' },
    })
    expect(await rowsOf(h, 'Cust1', 'orders')).toEqual([[1, '10.0000']])
    expect(await rowsOf(h, 'Cust1', 'person')).toEqual([])
    expect(await lsns(h)).toEqual({ person: -1, orders: 5 })
  })

  describe('with the state a call reuses out of date (another instance changed the table)', () => {
    /**
     * The in-memory mirror always reads afresh; this one answers a reused read with the state
     * `staleState` makes of it, and refuses the first write as the SQL mirror does when the
     * stored schema's hash is not the one reused.
     */
    function staleMirrors(options: { staleState?: (state: MirrorState) => MirrorState; staleWrite?: boolean }) {
      const inner = new InMemoryMirrorDatabases()
      const reads: string[] = []
      let refuseWrite = options.staleWrite ?? false
      const mirrors: MirrorDatabaseProvider & { inspect: InMemoryMirrorDatabases['inspect'] } = {
        inspect: (id) => inner.inspect(id),
        close: () => inner.close(),
        async forTenant(contextId) {
          const db = await inner.forTenant(contextId)
          return {
            contextId,
            identifierLimit: db.identifierLimit,
            async readState(_tables, readOptions) {
              reads.push(readOptions?.reuse ? 'reused' : 'fresh')
              const state = await db.readState()
              return readOptions?.reuse && options.staleState ? options.staleState(state) : state
            },
            applyTablePlan: (plan, hash) => db.applyTablePlan(plan, hash),
            dropTables: (tables) => db.dropTables(tables),
            wipe: (table) => db.wipe(table),
            async applyBatches(batches, policy) {
              if (refuseWrite) {
                refuseWrite = false
                throw new StaleStateError(batches[0]!.table.name)
              }
              return db.applyBatches(batches, policy)
            },
          }
        },
      }
      return { mirrors, reads }
    }
    /** A harness over `mirrors` whose person table exists, its reads so far forgotten. */
    async function withPeople(mirrors: MirrorDatabaseProvider, reads: string[]) {
      const h = harness(mirrors)
      await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
      reads.length = 0
      return h
    }
    const narrower = schemaOf({
      ...peopleTable(),
      columns: [column('person_id', 'int', 'false'), column('name', 'nvarchar(20)')],
    })
    const call = (h: ReturnType<typeof harness>, name = 'Ann') =>
      h.rowData.execute({
        signedToken: h.token(),
        clientState: '',
        batches: [batch(peopleTable(), 10, [['[I:1]', name, null]])],
      })

    it('decodes again against a fresh read when the reused schema refuses the TableInfo', async () => {
      const withNarrower = (state: MirrorState): MirrorState => ({
        ...state,
        tables: new Map([...state.tables].map(([k, t]) => [k, k === 'person' ? { ...t, schema: narrower } : t])),
      })
      const { mirrors, reads } = staleMirrors({ staleState: withNarrower })
      const h = await withPeople(mirrors, reads)
      expect((await call(h)).result.ok).toBe(true)
      expect(reads).toEqual(['reused', 'fresh'])
      expect(await rowsOf(h, 'Cust1', 'person')).toEqual([[1, 'Ann', null]])
    })

    it('writes again against a fresh read when the write finds the table changed, once', async () => {
      const { mirrors, reads } = staleMirrors({ staleWrite: true })
      const h = await withPeople(mirrors, reads)
      expect((await call(h)).result.ok).toBe(true)
      expect(reads).toEqual(['reused', 'fresh'])
      expect(await rowsOf(h, 'Cust1', 'person')).toEqual([[1, 'Ann', null]])
      reads.length = 0
      expect((await call(h, 'Ann B')).result.ok).toBe(true)
      expect(reads).toEqual(['reused'])
    })

    it('still refuses a TableInfo that the fresh state refuses too', async () => {
      const { mirrors, reads } = staleMirrors({})
      const h = await withPeople(mirrors, reads)
      const wrongType = { ...peopleTable(), columns: [column('person_id', 'bigint', 'false')] }
      const out = await h.rowData.execute({
        signedToken: h.token(),
        clientState: '',
        batches: [batch(wrongType, 10, [['[L:1]']])],
      })
      expect(out.result).toMatchObject({ ok: false, error: { kind: 'TableInfoMismatch', table: 'person' } })
      expect(reads).toEqual(['reused', 'fresh'])
      expect(await rowsOf(h, 'Cust1', 'person')).toEqual([])
    })
  })

  it('refuses a table the mirror does not have', async () => {
    const h = await ready()
    const out = await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch({ ...orders, name: 'ghost' }, 1, [['[I:1]', '[F:1]']])],
    })
    expect(out.result).toMatchObject({ ok: false, error: { kind: 'TableNotInMirror', table: 'ghost' } })
  })

  it('refuses a TableInfo whose types differ from the mirror', async () => {
    const h = await ready()
    const changed = { ...orders, columns: [column('order_id', 'int', 'false'), column('total', 'nvarchar(20)')] }
    const out = await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch(changed, 1, [['[I:1]', 'x']])],
    })
    expect(out.result).toMatchObject({ ok: false, error: { kind: 'TableInfoMismatch', table: 'orders' } })
  })

  it('reports tables and rows for the call log', async () => {
    const h = await ready()
    const out = await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [
        batch(orders, 1, [
          ['[I:1]', '[F:1]'],
          ['[I:2]', '[F:2]'],
        ]),
        batch(peopleTable(), 1, [['[I:1]', 'A', null]]),
      ],
    })
    expect(out).toMatchObject({ contextId: 'Cust1', tables: 2, rows: 3 })
  })

  it('serialises calls for one table and lets other tables run in parallel', async () => {
    const inner = new InMemoryMirrorDatabases()
    let active = 0
    let peak = 0
    // A wrapper forwards only what the use cases call: the narrow MirrorDatabase.
    const slow: MirrorDatabaseProvider = {
      async forTenant(ctx: ContextId) {
        const db = await inner.forTenant(ctx)
        return {
          contextId: db.contextId,
          identifierLimit: db.identifierLimit,
          readState: () => db.readState(),
          applyTablePlan: (p: Parameters<typeof db.applyTablePlan>[0], hash: string) => db.applyTablePlan(p, hash),
          dropTables: (t: readonly string[]) => db.dropTables(t),
          wipe: (t: string) => db.wipe(t),
          applyBatches: async (batches: Parameters<typeof db.applyBatches>[0]) => {
            active++
            peak = Math.max(peak, active)
            await new Promise((r) => setTimeout(r, 20))
            const outcomes = await db.applyBatches(batches)
            active--
            return outcomes
          },
        }
      },
      close: async () => {},
    }
    const h = harness(slow)
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable(), orders] })
    const same = Array.from({ length: 4 }, (_, i) =>
      h.rowData.execute({
        signedToken: h.token(),
        clientState: '',
        batches: [batch(orders, i, [[`[I:${i}]`, '[F:1]']])],
      }),
    )
    await Promise.all(same)
    expect(peak).toBe(1)
    peak = 0
    await Promise.all([
      h.rowData.execute({ signedToken: h.token(), clientState: '', batches: [batch(orders, 9, [['[I:9]', '[F:1]']])] }),
      h.rowData.execute({
        signedToken: h.token(),
        clientState: '',
        batches: [batch(peopleTable(), 9, [['[I:9]', 'X', null]])],
      }),
    ])
    expect(peak).toBe(2)
  })
})

describe('Wipe and ReplicationCompleted', () => {
  it('wipes a table, resets its LSN and tells the integrator', async () => {
    const h = harness()
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [orders] })
    await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch(orders, 8, [['[I:1]', '[F:1]']])],
    })
    const out = await h.wipe.execute({ signedToken: h.token(), clientState: '', table: 'orders' })
    expect(out.result.ok).toBe(true)
    expect(await rowsOf(h, 'Cust1', 'orders')).toEqual([])
    expect(await lsns(h)).toEqual({ orders: -1 })
    expect(h.admin.wipes).toEqual(['orders'])
  })

  it('refuses to wipe a table the mirror does not have', async () => {
    const h = harness()
    expect((await h.wipe.execute({ signedToken: h.token(), clientState: '', table: 'nothing' })).result).toMatchObject({
      error: { kind: 'TableNotInMirror' },
    })
  })

  it('hands the summary to the integrator and reports it', async () => {
    const h = harness()
    const out = await h.completed.execute({
      signedToken: h.token(),
      clientState: '',
      changedTables: [{ table: 'orders', inserts: '3', updates: '1', deletes: '0' }],
    })
    expect(out).toMatchObject({ result: { ok: true }, tables: 1, rows: 4 })
    expect(h.admin.completions).toEqual([[{ table: 'orders', inserts: 3, updates: 1, deletes: 0 }]])
    expect(h.admin.events.at(-1)).toMatchObject({ operation: 'ReplicationCompleted', type: 'Information' })
  })

  it('refuses a summary with negative counts', async () => {
    const h = harness()
    const out = await h.completed.execute({
      signedToken: h.token(),
      clientState: '',
      changedTables: [{ table: 'orders', inserts: '-3', updates: '1', deletes: '0' }],
    })
    expect(out.result).toMatchObject({ ok: false, error: { kind: 'InvalidSummary' } })
  })
})
