import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { ServiceMetrics } from '../../../src/adapters/admin/service-metrics.ts'
import { JoseTokenVerifier } from '../../../src/adapters/crypto/jose-token-verifier.ts'
import { NodeSchemaHasher } from '../../../src/adapters/crypto/node-schema-hasher.ts'
import { verificationKeyFrom } from '../../../src/adapters/crypto/verification-keys.ts'
import type { CallEvent } from '../../../src/adapters/http/call-summary.ts'
import { InflightBudget } from '../../../src/adapters/http/inflight-budget.ts'
import { Readiness } from '../../../src/adapters/http/readiness.ts'
import { createServiceApp } from '../../../src/adapters/http/routes.ts'
import { InMemoryMirrorDatabases } from '../../../src/adapters/memory/in-memory-mirror-database.ts'
import { soapActionOf } from '../../../src/adapters/soap/namespaces.ts'
import { writeRowDataRequest, writeTableSchemaRequest } from '../../../src/adapters/soap/request-writers.ts'
import { SystemClock } from '../../../src/adapters/system/clocks.ts'
import { InMemoryNonceStore } from '../../../src/adapters/system/in-memory-nonce-store.ts'
import { ApplyRowData } from '../../../src/application/apply-row-data.ts'
import { Authenticate } from '../../../src/application/authenticate.ts'
import { AuthorizeCall } from '../../../src/application/authorize-call.ts'
import { CompleteReplication } from '../../../src/application/complete-replication.ts'
import { KeyedMutex } from '../../../src/application/keyed-mutex.ts'
import type { Logger } from '../../../src/application/ports/logger.port.ts'
import type { MirrorDatabaseProvider } from '../../../src/application/ports/mirror-database.port.ts'
import { ScreenCall } from '../../../src/application/screen-call.ts'
import { SyncTableSchemas } from '../../../src/application/sync-table-schemas.ts'
import { WipeTable } from '../../../src/application/wipe-table.ts'
import type { WireRowBatch, WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { federatedPublicPem } from '../../support/test-keys.ts'
import { mintToken, TEST_CLIENT_ID } from '../../support/tokens.ts'

const PATH = '/MirroringClientService.svc'
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

const person: WireTableSchema = {
  name: 'person',
  columns: [
    { name: 'person_id', type: 'int', isNullable: 'false', defaultValue: '' },
    { name: 'name', type: 'nvarchar(50)', isNullable: 'true', defaultValue: '' },
  ],
}
const orders: WireTableSchema = {
  name: 'orders',
  columns: [{ name: 'order_id', type: 'int', isNullable: 'false', defaultValue: '' }],
}

function rows(table: WireTableSchema, lsn: number, op: string, values: (string | null)[][]): WireRowBatch {
  return { table, lsn: String(lsn), rows: values.map((v) => ({ operation: op, values: v })) }
}

/** The service's routes over in-memory pieces, with every call the observer hears kept. */
async function service(options: { admin?: Hono; mirrors?: MirrorDatabaseProvider; stopwatch?: () => number } = {}) {
  const clock = new SystemClock()
  const authorize = new AuthorizeCall(
    new JoseTokenVerifier([verificationKeyFrom(Buffer.from(await federatedPublicPem()), 'test federated key')]),
    new InMemoryNonceStore(clock, 60),
    clock,
    { clientId: TEST_CLIENT_ID, issuer: 'SuperOffice AS', skewSeconds: 60 },
  )
  const deps = {
    authorize,
    mirrors: options.mirrors ?? new InMemoryMirrorDatabases(),
    hasher: new NodeSchemaHasher(),
    admin: {},
    locks: new KeyedMutex(),
    schema: {},
    ...(options.stopwatch ? { stopwatch: options.stopwatch } : {}),
  }
  const signer = { sign: async () => 'signature' }
  const calls: CallEvent[] = []
  const probes = { mirror: true }
  const metrics = new ServiceMetrics()
  const app = createServiceApp({
    useCases: {
      screenCall: new ScreenCall(authorize, deps.admin),
      authenticate: new Authenticate(authorize, signer, clock, deps.admin, 'test'),
      syncTableSchemas: new SyncTableSchemas(deps),
      applyRowData: new ApplyRowData(deps),
      wipeTable: new WipeTable(deps),
      completeReplication: new CompleteReplication(authorize, deps.admin),
    },
    logger: quiet,
    soap: {
      path: PATH,
      limits: {
        maxBodyBytes: 1_000_000,
        maxHeaderBytes: 64 * 1024,
        bodyTimeoutMs: 5_000,
        idleTimeoutMs: 5_000,
        maxDepth: 64,
        maxElements: 100_000,
        maxDensity: 8,
      },
      budget: new InflightBudget(10_000_000, 100),
      // As the container wires it: the metrics read the same summary (the recorder adds the state store).
      observer: (call) => {
        calls.push(call)
        metrics.record(call)
      },
    },
    metrics,
    readiness: new Readiness([
      {
        name: 'mirror database (test)',
        probe: async () => {
          if (!probes.mirror) throw new Error('connection refused')
        },
      },
    ]),
    ...(options.admin ? { admin: options.admin } : {}),
  })
  const post = (action: string, body: string) =>
    app.request(PATH, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"` },
      body,
    })
  const base = async (contextId = 'Cust7') => ({ signedToken: await mintToken({ contextId }), clientState: '' })
  return {
    app,
    calls,
    probes,
    metrics,
    tableSchema: async (tables: WireTableSchema[]) =>
      post(soapActionOf('TableSchema'), writeTableSchemaRequest({ ...(await base()), tables })),
    rowData: async (batches: WireRowBatch[], signedToken?: string, spell = (xml: string) => xml) =>
      post(
        soapActionOf('RowData'),
        spell(writeRowDataRequest({ ...(await base()), ...(signedToken ? { signedToken } : {}), batches })),
      ),
    post,
  }
}

describe('the service routes', () => {
  it('mounts the SOAP endpoint, /healthz, /readyz and /metrics, and /admin only when given', async () => {
    const s = await service()
    expect(await (await s.app.request('/healthz')).json()).toEqual({ status: 'ok' })
    expect((await s.tableSchema([person])).status).toBe(200)
    expect(s.calls).toMatchObject([{ operation: 'TableSchema', outcome: 'ok' }])
    expect((await s.app.request(PATH)).status).toBe(405)
    expect((await s.app.request('/readyz')).status).toBe(200)
    const metrics = await (await s.app.request('/metrics')).text()
    expect(metrics).toContain('tenant_mirror_inflight_bytes_limit 10000000')
    expect(metrics).toMatch(/^tenant_mirror_ready 1$/m)
    expect((await s.app.request('/admin')).status).toBe(404)

    const admin = new Hono()
    admin.get('/', (c) => c.text('dashboard'))
    const withAdmin = await service({ admin })
    expect(await (await withAdmin.app.request('/admin')).text()).toBe('dashboard')
  })

  it('answers /readyz and tenant_mirror_ready from the readiness it was given', async () => {
    const s = await service()
    s.probes.mirror = false
    const ready = await s.app.request('/readyz')
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({
      status: 'not ready',
      problems: ['mirror database (test): connection refused'],
    })
    expect(await (await s.app.request('/metrics')).text()).toMatch(/^tenant_mirror_ready 0$/m)
    s.metrics.ready = false
    expect(await (await s.app.request('/readyz')).json()).toEqual({ status: 'shutting down' })
  })
})

describe('the call summary the observer is told', () => {
  it("tells where a written RowData call's time went: parsing, decoding, writing, summed in /metrics", async () => {
    let now = 0
    const s = await service({ stopwatch: () => (now += 5) })
    await s.tableSchema([person])
    await s.rowData([rows(person, 10, 'I', [['[I:1]', 'Ann']])])
    await s.rowData([rows(person, 11, 'I', [['[I:2]', 'Bob']])])
    const [first, second] = s.calls.slice(1)
    for (const call of [first, second]) {
      expect(call).toMatchObject({ outcome: 'ok', written: { phases: { decodeMs: 5, writeMs: 5 } } })
      const phases = call?.operation === 'RowData' && call.outcome === 'ok' ? call.written.phases : undefined
      expect(phases?.parseMs).toBeGreaterThan(0)
    }
    const metrics = await (await s.app.request('/metrics')).text()
    expect(metrics).toMatch(/^tenant_mirror_rowdata_phase_seconds_total\{phase="decode"\} 0\.01$/m)
    expect(metrics).toMatch(/^tenant_mirror_rowdata_phase_seconds_total\{phase="write"\} 0\.01$/m)
    const parse = Number(/^tenant_mirror_rowdata_phase_seconds_total\{phase="parse"\} (\S+)$/m.exec(metrics)?.[1])
    expect(parse).toBeGreaterThan(0)
  })

  it('counts the rows its scanner read tag by tag, not whole as the Mirroring Task spells them', async () => {
    const s = await service()
    await s.tableSchema([person])
    const three = [
      ['[I:1]', 'Ann'],
      ['[I:2]', null],
      ['[I:3]', ''],
    ]
    await s.rowData([rows(person, 10, 'I', three)])
    // The same rows with a line break between values: valid XML, read by the scanner.
    await s.rowData([rows(person, 11, 'U', three)], undefined, (xml) => xml.replaceAll('</b:string>', '</b:string>\n'))
    const [whole, respelled] = s.calls.slice(1)
    expect(whole).toMatchObject({ outcome: 'ok', written: { rowsScanned: 0, rows: { inserts: 3 } } })
    expect(respelled).toMatchObject({ outcome: 'ok', written: { rowsScanned: 3, rows: { updates: 3 } } })
    const metrics = await (await s.app.request('/metrics')).text()
    expect(metrics).toMatch(/^tenant_mirror_rowdata_rows_scanned_total 3$/m)
  })

  it('counts what a RowData call wrote, per operation and per table, and the batches superseded', async () => {
    const s = await service()
    await s.tableSchema([person, orders])
    await s.rowData([
      rows(person, 10, 'I', [
        ['[I:1]', 'Ann'],
        ['[I:2]', 'Bob'],
      ]),
      rows(orders, 10, 'U', [['[I:9]']]),
    ])
    await s.rowData([rows(person, 4, 'D', [['[I:1]', null]])])
    const [written, superseded] = s.calls.slice(1)
    expect(written).toMatchObject({
      operation: 'RowData',
      contextId: 'Cust7',
      outcome: 'ok',
      tables: 2,
      rows: 3,
      written: {
        rows: { inserts: 2, updates: 1, deletes: 0 },
        tables: [
          { table: 'person', rows: 2 },
          { table: 'orders', rows: 1 },
        ],
        superseded: [],
      },
    })
    expect(superseded).toMatchObject({
      outcome: 'ok',
      written: {
        rows: { inserts: 0, updates: 0, deletes: 0 },
        superseded: [{ table: 'person', lsn: 4, storedLsn: 10 }],
      },
    })
    const metrics = await (await s.app.request('/metrics')).text()
    expect(metrics).not.toContain('tenant_mirror_rowdata_phase_seconds_total{')
    expect(metrics).toContain('tenant_mirror_rows_applied_total{operation="I"} 2')
    expect(metrics).toContain('tenant_mirror_rows_applied_total{operation="U"} 1')
    expect(metrics).toContain('tenant_mirror_batches_superseded_total 1')
  })

  it('says why a call failed, with the reference of its log line, and names a fault as no operation', async () => {
    const s = await service()
    await s.rowData([rows(person, 1, 'I', [['[I:1]', 'Ann']])])
    await s.rowData([], 'not-a-token')
    await s.post(soapActionOf('RowData'), '<not-soap/>')
    const [missing, refused, fault] = s.calls
    expect(missing).toMatchObject({
      operation: 'RowData',
      contextId: 'Cust7',
      outcome: 'failed',
      error: { kind: 'TableNotInMirror', table: 'person' },
    })
    expect(missing?.reference).toMatch(/^[0-9a-f]{8}$/)
    expect(refused).toMatchObject({
      operation: 'RowData',
      contextId: undefined,
      outcome: 'failed',
      error: { kind: 'TokenMalformed' },
    })
    expect(fault).toMatchObject({ operation: 'none', contextId: undefined, outcome: 'fault' })
    expect(fault?.outcome === 'fault' && fault.message).toMatch(/SOAP 1\.1 envelope/)
  })

  it('reports a call whose use case crashed as Internal, under the tenant its token named', async () => {
    const broken: MirrorDatabaseProvider = {
      forTenant: async () => {
        throw new TypeError('a bug')
      },
      close: async () => undefined,
    }
    const s = await service({ mirrors: broken })
    const reply = await s.tableSchema([person])
    expect(reply.status).toBe(200)
    const [crashed] = s.calls
    expect(crashed).toMatchObject({ operation: 'TableSchema', contextId: 'Cust7', outcome: 'failed' })
    expect(crashed?.outcome === 'failed' && crashed.error).toEqual({ kind: 'Internal', reference: crashed?.reference })
    expect(await reply.text()).toContain(`reference ${crashed?.reference}`)
  })
})
