import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import type { Rs256TokenIssuer } from '../src/adapters/task/crypto/rs256-token-issuer.ts'
import { DEFAULT_SOAP_CLIENT_OPTIONS, SoapMirroringClient } from '../src/adapters/task/soap/soap-mirroring-client.ts'
import { canonicalRow } from '../src/adapters/task/sources/source-rows.ts'
import type { EncodedRow } from '../src/application/task/ports/mirroring-client.port.ts'
import { encodeWireValue } from '../src/domain/changes/wire-value.ts'
import type { WireTableSchema } from '../src/domain/protocol/messages.ts'
import { buildTableSchema } from '../src/domain/schema/table-schema.ts'
import { formatNonce, tokenClaims } from '../src/domain/task/issued-token.ts'
import { type LatencySummary, summarizeLatencies } from './latency.ts'
import { type CpuRun, cpuStopwatch, databaseProcesses } from './process-cpu.ts'
import { startServiceProcess } from './service-process.ts'

type Target = 'sqlite' | 'postgres' | 'mysql'

/** The issue's shape: calls of 2,000 rows of three columns. */
export const ROWS_PER_CALL = 2_000

/** A small table of three columns, as in the issue's measurement. */
export const ITEM: WireTableSchema = {
  name: 'item',
  columns: [
    ['item_id', 'int', 'false'],
    ['name', 'nvarchar(80)', 'true'],
    ['updated', 'datetime', 'false'],
  ].map(([name, type, isNullable]) => ({ name: name!, type: type!, isNullable: isNullable!, defaultValue: '' })),
}

export interface TenantsRun {
  readonly target: Target
  /** PostgreSQL's tenant layout; the other targets have a database (a file for SQLite) per tenant. */
  readonly layout?: 'database' | 'schema'
  /** Bytes of one full RowData call, its token included. */
  readonly callBytes: number
  readonly tenants: number
  readonly rowsPerTenant: number
  readonly rows: number
  readonly calls: number
  /** From the first RowData call to the last reply; TableSchema (the mirrors' creation) is before it. */
  readonly seconds: number
  readonly rowsPerSecond: number
  /** Each RowData call from before it is posted to its reply, busy answers and their waits included. */
  readonly latency: LatencySummary
  /** Calls answered busy (HTTP 503, Retry-After) and tried again. */
  readonly busyAnswers: number
  /** The most request-body bytes the service held in flight at once, and its limit (its /metrics), in MB. */
  readonly inflightPeakMb?: number
  readonly inflightLimitMb?: number
  /**
   * The largest V8 heap (total, as reserved) and external memory (Buffers, outside the heap) the
   * service's /metrics showed, sampled every second during the run, in MB: what of the RSS is
   * JavaScript's.
   */
  readonly heapPeakMb?: number
  readonly externalPeakMb?: number
  /** The service's VmHWM: a fresh service for every run. */
  readonly peakRssMb: number
  readonly setupSeconds: number
  readonly cpu: CpuRun
}

export interface TenantsOptions {
  readonly dir: string
  readonly postgres: string
  readonly mysql: string
  readonly keys: { privatePem: string }
  readonly federatedCert: string
  readonly issuer: Rs256TokenIssuer
  /**
   * PostgreSQL's tenant layout: a database per tenant (the service's default, up to 4 connections
   * each) or a schema per tenant in one database (one pool of 10 connections for all).
   */
  readonly postgresLayout: 'database' | 'schema'
  /** The service's `--max-inflight-bytes` (and `--max-body-bytes` no larger); its default (32 MB) when absent. */
  readonly inflightBytes?: number
}

/** Rows `1..rows` of ITEM as RowData XML in calls of ROWS_PER_CALL, encoded once and sent by every tenant. */
function encodeCalls(rows: number): EncodedRow[][] {
  const schema = buildTableSchema(ITEM)
  if (!schema.ok) throw new Error('item does not build')
  const encoder = new SoapMirroringClient('http://127.0.0.1/')
  const calls: EncodedRow[][] = []
  for (let first = 1; first <= rows; first += ROWS_PER_CALL) {
    const call: EncodedRow[] = []
    for (let id = first; id < first + ROWS_PER_CALL && id <= rows; id++) {
      const raw = [id, `Item ${id} of the bench`, `2026-0${1 + (id % 9)}-1${id % 10} 1${id % 10}:2${id % 10}:00`]
      const values = canonicalRow(schema.value, raw, [0]).map((v, i) =>
        encodeWireValue(v, schema.value.columns[i]!.type),
      )
      call.push(encoder.encodeRow({ operation: 'I', values }))
    }
    calls.push(call)
  }
  return calls
}

/** Mirrors of one run: a fresh folder for SQLite, databases named with a unique prefix for the servers. */
async function mirrors(target: Target, options: TenantsOptions) {
  const id = randomBytes(3).toString('hex')
  if (target === 'sqlite')
    return {
      location: `sqlite:${join(options.dir, `tenants-${id}`)}`,
      template: 'Mirror_{contextId}',
      drop: async () => undefined,
    }
  const prefix = `tmbench_mt_${id}_`
  if (target === 'postgres' && options.postgresLayout === 'schema') {
    // One database of the run, a schema per tenant in it; dropping the database drops them all.
    const name = `tmbench_mt_${id}`
    const admin = new pg.Client({ connectionString: options.postgres })
    await admin.connect()
    await admin.query(`create database ${name}`)
    await admin.end()
    const url = new URL(options.postgres)
    url.pathname = `/${name}`
    return {
      location: url.toString(),
      template: 'm_{contextId}',
      args: ['--tenant-layout', 'schema'],
      drop: async () => {
        const c = new pg.Client({ connectionString: options.postgres })
        await c.connect()
        await c.query(`drop database if exists ${name} with (force)`)
        await c.end()
      },
    }
  }
  if (target === 'postgres')
    return {
      location: options.postgres,
      template: `${prefix}{contextId}`,
      drop: async () => {
        const c = new pg.Client({ connectionString: options.postgres })
        await c.connect()
        const { rows } = await c.query<{ datname: string }>('select datname from pg_database')
        for (const { datname } of rows.filter((r) => r.datname.startsWith(prefix)))
          await c.query(`drop database if exists "${datname}" with (force)`)
        await c.end()
      },
    }
  return {
    location: options.mysql,
    template: `${prefix}{contextId}`,
    drop: async () => {
      const c = await mysql.createConnection(options.mysql)
      const [rows] = await c.query<mysql.RowDataPacket[]>('show databases')
      for (const name of rows.map((r) => String(Object.values(r)[0])).filter((n) => n.startsWith(prefix)))
        await c.query(`drop database if exists \`${name}\``)
      await c.end()
    },
  }
}

/**
 * `tenants` tenants loading `rowsPerTenant` rows each into one fresh service process at once,
 * each with one RowData call in flight, as the Mirroring Task sends a full load: TableSchema
 * first (not timed), then the rows in calls of ROWS_PER_CALL, every call with a fresh token.
 */
export async function tenantsAtOnce(
  target: Target,
  tenants: number,
  rowsPerTenant: number,
  options: TenantsOptions,
): Promise<TenantsRun> {
  const calls = encodeCalls(rowsPerTenant)
  const db = await mirrors(target, options)
  try {
    return await loadAtOnce(target, tenants, rowsPerTenant, calls, db, options)
  } finally {
    await db.drop()
  }
}

async function loadAtOnce(
  target: Target,
  tenants: number,
  rowsPerTenant: number,
  calls: readonly EncodedRow[][],
  db: { location: string; template: string; args?: readonly string[] },
  options: TenantsOptions,
): Promise<TenantsRun> {
  const service = await startServiceProcess({
    database: db.location,
    databaseName: db.template,
    privateKey: options.keys.privatePem,
    federatedCert: options.federatedCert,
    args: [
      ...(db.args ?? []),
      ...(options.inflightBytes
        ? [
            '--max-inflight-bytes',
            String(options.inflightBytes),
            '--max-body-bytes',
            String(Math.min(options.inflightBytes, 32 * 1024 * 1024)),
          ]
        : []),
    ],
  })
  try {
    const client = new SoapMirroringClient(service.url, { ...DEFAULT_SOAP_CLIENT_OPTIONS, busyRetryMs: 600_000 })
    const token = (contextId: string) =>
      options.issuer.issue(tokenClaims(contextId, 'bench', formatNonce(randomBytes(16)), Date.now()))
    const contexts = Array.from({ length: tenants }, (_, i) => `Bench${i + 1}`)
    const setupStarted = performance.now()
    // The mirrors are created a few at a time, as a full load's first call would, but outside the timed part.
    for (let i = 0; i < contexts.length; i += 4)
      await Promise.all(
        contexts.slice(i, i + 4).map(async (contextId) => {
          const reply = await client.tableSchema(await token(contextId), [ITEM])
          if (!reply.ok) throw new Error(`TableSchema of ${contextId} into ${target}: ${reply.error}`)
        }),
      )
    const setupSeconds = (performance.now() - setupStarted) / 1000
    const latencies: number[] = []
    const busyBefore = client.busyAnswers
    const peaks = { heap: 0, external: 0 }
    const sample = async () => {
      const [heap, external] = await Promise.all([
        service.metric('nodejs_heap_size_total_bytes'),
        service.metric('nodejs_external_memory_bytes'),
      ])
      peaks.heap = Math.max(peaks.heap, heap ?? 0)
      peaks.external = Math.max(peaks.external, external ?? 0)
    }
    const sampler = setInterval(() => void sample().catch(() => undefined), 1000)
    const watch = cpuStopwatch({ servicePid: service.pid, database: databaseProcesses(target) })
    await Promise.all(
      contexts.map(async (contextId) => {
        for (const [i, rows] of calls.entries()) {
          const signed = await token(contextId)
          const started = performance.now()
          const reply = await client.rowData(signed, [{ table: ITEM, lsn: i + 1, rows }])
          latencies.push(performance.now() - started)
          if (!reply.ok) throw new Error(`RowData of ${contextId} into ${target}: ${reply.error}`)
        }
      }),
    )
    const cpu = watch.stop()
    clearInterval(sampler)
    await sample()
    const rows = tenants * rowsPerTenant
    const mb = (n: number | undefined) => (n === undefined ? {} : { value: n / 2 ** 20 })
    const inflightPeak = mb(await service.metric('tenant_mirror_inflight_bytes_peak'))
    const inflightLimit = mb(await service.metric('tenant_mirror_inflight_bytes_limit'))
    return {
      target,
      ...(target === 'postgres' ? { layout: options.postgresLayout } : {}),
      callBytes: client.overhead(ITEM) + calls[0]!.reduce((n, r) => n + r.bytes, 0),
      tenants,
      rowsPerTenant,
      rows,
      calls: latencies.length,
      seconds: cpu.seconds,
      rowsPerSecond: rows / cpu.seconds,
      latency: summarizeLatencies(latencies),
      busyAnswers: client.busyAnswers - busyBefore,
      ...(peaks.heap > 0 ? { heapPeakMb: peaks.heap / 2 ** 20, externalPeakMb: peaks.external / 2 ** 20 } : {}),
      ...('value' in inflightPeak ? { inflightPeakMb: inflightPeak.value } : {}),
      ...('value' in inflightLimit ? { inflightLimitMb: inflightLimit.value } : {}),
      peakRssMb: service.peakRssMb(),
      setupSeconds,
      cpu,
    }
  } finally {
    await service.stop()
  }
}
