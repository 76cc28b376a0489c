import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { parseTaskConfig } from '../src/adapters/bootstrap/task-config.ts'
import { createMirroringTask } from '../src/adapters/bootstrap/task-container.ts'
import { generatePartnerKeys } from '../src/adapters/crypto/key-files.ts'
import { createDemoSource } from '../src/adapters/demo/demo-source.ts'
import { soapActionOf } from '../src/adapters/soap/namespaces.ts'
import {
  rowDataBatchFrame,
  rowDataFrame,
  writeTableSchemaRequest,
  writeWipeRequest,
} from '../src/adapters/soap/request-writers.ts'
import { generateFederatedKeys } from '../src/adapters/task/crypto/federated-keys.ts'
import { Rs256TokenIssuer } from '../src/adapters/task/crypto/rs256-token-issuer.ts'
import { HttpPoster } from '../src/adapters/task/soap/http-post.ts'
import { SoapMirroringClient } from '../src/adapters/task/soap/soap-mirroring-client.ts'
import { canonicalRow } from '../src/adapters/task/sources/source-rows.ts'
import { encodeWireValue } from '../src/domain/changes/wire-value.ts'
import { buildTableSchema } from '../src/domain/schema/table-schema.ts'
import { formatNonce, tokenClaims } from '../src/domain/task/issued-token.ts'
import { MeasuringClients } from './bench-clients.ts'
import { benchRows, createBenchSource, INVITATION } from './bench-source.ts'
import { type CallCost, callCost } from './call-cost.ts'
import { cyclesPerMinute } from './cycles-per-minute.ts'
import { delayProxy } from './delay-proxy.ts'
import { percentile } from './latency.ts'
import { ROWS_PER_CALL, type TenantsRun, tenantsAtOnce } from './many-tenants.ts'
import {
  CLOCK_TICKS,
  CORES,
  type CpuCeiling,
  type CpuPerRow,
  type CpuRun,
  cpuCeiling,
  cpuPerRow,
  cpuStopwatch,
  databaseProcesses,
} from './process-cpu.ts'
import { pgloader, rawMysql, rawPostgres, rawSqlite } from './raw-loads.ts'
import { shareRows, sharesOverRounds } from './rounds.ts'
import { type Phases, startServiceProcess } from './service-process.ts'
import { type TaskPhases, taskPhases } from './task-phases.ts'

type Target = 'sqlite' | 'postgres' | 'mysql'

const POSTGRES = process.env.MIRROR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const MYSQL = process.env.MIRROR_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'

interface Measure {
  readonly bench: string
  readonly target: string
  readonly rows?: number
  readonly seconds: number
  readonly rowsPerSecond?: number
  readonly mbPerSecond?: number
  readonly peakRssMb?: number
  readonly ratio?: string
  readonly note?: string
  /** Where the CPU went during the run: µs per row of the task, the service and the database. */
  readonly cpu?: CpuPerRow
  /** The service's own account of a RowData call's time, µs a row (its /metrics, phases of written calls). */
  readonly phases?: Phases
  /** The many-tenants profile: latencies, busy answers and what was sent. */
  readonly tenants?: Omit<TenantsRun, 'cpu'>
  /**
   * The most rows/s the machine's cores allow at the run's CPU a row (the bench's, the service's and
   * the database's), and that against one tenant alone: a ratio above it needs less CPU a row.
   */
  readonly ceiling?: CpuCeiling
  /** RowData calls sent (apply only). */
  readonly calls?: number
  /** What a RowData call costs besides its rows, from this apply-only run and one of small calls. */
  readonly callCost?: { readonly service: CallCost; readonly database?: CallCost }
  /** Which of `--rounds` it ran in, where there were more than one. */
  readonly round?: number
}

const program = new Command('bench')
  .option('--rows <n>', 'rows of the invitation-shaped table', '1000000')
  .option('--quick', 'a run of under two minutes: 100,000 rows, no 5,000,000-row memory run')
  .option('--dialects <list>', 'mirror targets', 'sqlite,postgres,mysql')
  .option('--big <n>', 'rows of the memory run (0 to skip)', '5000000')
  .option(
    '--only <list>',
    'benchmarks to run: raw,pgloader,full,apply,nochange,memory,callmem,cycles,tenants',
    'raw,pgloader,full,apply,nochange,memory,callmem,cycles,tenants',
  )
  .option('--cycle-tenants <n>', 'small tenants of the cycles-per-minute run', '200')
  .option('--tenants <n>', 'tenants loading at once in the many-tenants run', '50')
  .option('--pg-layout <layout>', 'PostgreSQL tenant layout of the many-tenants run: database or schema', 'database')
  .option(
    '--tenants-inflight-mb <n>',
    "the service's --max-inflight-bytes in the many-tenants run (default its own, 32 MB)",
  )
  .option('--tenant-rows <n>', `rows each tenant loads in the many-tenants run, in calls of ${ROWS_PER_CALL}`, '40000')
  .option(
    '--rounds <n>',
    'times the loads (raw, pgloader, full, apply) run, each dialect raw first; shares of raw summed up over them',
    '1',
  )
  .option('--profile <dir>', 'write a V8 CPU profile of every service process into this folder')
  .option('--rtt <ms>', 'round trip between the task and the service in the first load and no-change runs', '0')
  .option(
    '--db-rtt <ms>',
    'round trip between the service and a PostgreSQL or MariaDB mirror server in the full loads',
    '0',
  )
  .parse()
const flags = program.opts<{
  rows: string
  quick?: boolean
  dialects: string
  big: string
  only: string
  profile?: string
  cycleTenants: string
  tenants: string
  tenantRows: string
  pgLayout: 'database' | 'schema'
  tenantsInflightMb?: string
  rtt: string
  dbRtt: string
  rounds: string
}>()
const ONLY = new Set(flags.only.split(',').map((b) => b.trim()))
if (flags.profile) process.env.TM_BENCH_PROFILE = flags.profile
const ROWS = flags.quick ? 100_000 : Number(flags.rows)
const BIG = flags.quick ? 0 : Number(flags.big)
const RTT_MS = Number(flags.rtt)
if (!(RTT_MS >= 0)) throw new Error('--rtt must be a number of milliseconds')
const DB_RTT_MS = Number(flags.dbRtt)
if (!(DB_RTT_MS >= 0)) throw new Error('--db-rtt must be a number of milliseconds')
const ROUNDS = Number(flags.rounds)
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error('--rounds must be a whole number, 1 or more')
const TARGETS = flags.dialects.split(',').map((d) => d.trim()) as Target[]
if (!['database', 'schema'].includes(flags.pgLayout)) throw new Error('--pg-layout must be database or schema')

const dir = mkdtempSync(join(tmpdir(), 'tm-bench-'))
const partner = generatePartnerKeys(join(dir, 'keys'))
const federated = generateFederatedKeys(join(dir, 'keys'))
const issuer = Rs256TokenIssuer.fromFiles(federated.privateKey, federated.certificate)
const results: Measure[] = []
const cleanups: (() => Promise<void>)[] = []

function log(line: string) {
  process.stderr.write(`${line}\n`)
}

async function serverDatabase(target: Target): Promise<{ location: string; template: string; raw: string }> {
  const id = randomBytes(3).toString('hex')
  if (target === 'sqlite')
    return {
      location: `sqlite:${join(dir, `mirrors-${id}`)}`,
      template: 'Mirror_{contextId}',
      raw: join(dir, `raw-${id}.sqlite`),
    }
  const template = `tmbench_${id}_{contextId}`
  const raw = `tmbench_raw_${id}`
  if (target === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES })
    await admin.connect()
    await admin.query(`create database ${raw}`)
    await admin.end()
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: POSTGRES })
      await c.connect()
      await c.query(`drop database if exists ${raw} with (force)`)
      await c.query(`drop database if exists "${template.replace('{contextId}', 'Bench1')}" with (force)`)
      await c.end()
    })
    return { location: POSTGRES, template, raw }
  }
  const admin = await mysql.createConnection(MYSQL)
  await admin.query(`create database ${raw} character set utf8mb4 collate utf8mb4_bin`)
  await admin.end()
  cleanups.push(async () => {
    const c = await mysql.createConnection(MYSQL)
    await c.query(`drop database if exists ${raw}`)
    await c.query(`drop database if exists \`${template.replace('{contextId}', 'Bench1')}\``)
    await c.end()
  })
  return { location: MYSQL, template, raw }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** The project's task reads the source and sends it over loopback HTTP to a service process. */
async function fullLoad(target: Target, source: string, rows: number, label = 'full load'): Promise<Measure> {
  const db = await serverDatabase(target)
  // --db-rtt: the service reaches its mirror server through a proxy holding each way half the round trip.
  const away = DB_RTT_MS > 0 && target !== 'sqlite' ? await delayProxy(db.location, DB_RTT_MS) : undefined
  const service = await startServiceProcess({
    database: away?.url ?? db.location,
    databaseName: db.template,
    privateKey: partner.privatePem,
    federatedCert: federated.certificate,
  })
  const clients = new MeasuringClients()
  const config = parseTaskConfig({
    registry: `sqlite:${join(dir, `registry-${randomBytes(3).toString('hex')}.sqlite`)}`,
    signingKey: federated.privateKey,
    signingCert: federated.certificate,
    environment: 'development',
    intervalMinutes: '20',
    stopWindow: 'none',
    concurrency: '1',
    callTimeoutSeconds: '3600',
    // The task's own variable, so that a run can compare calls in flight (default 2).
    callsInFlight: process.env.MIRROR_CALLS_IN_FLIGHT,
    logLevel: 'silent',
  })
  if (!config.ok) throw new Error(config.error)
  const task = await createMirroringTask(config.config, { clients })
  await task.registry.addApplication({
    clientId: 'bench',
    clientSecret: 's',
    name: 'bench',
    mirroringEnabled: true,
    mirroringUrl: service.url,
    publicKey: readFileSync(partner.publicPem, 'utf8'),
    environment: 'development',
  })
  await task.registry.addTenant({
    contextId: 'Bench1',
    sourceUrl: `sqlite:${source}`,
    skipTable: [],
    batchSize: 1_000_000,
  })
  await task.registry.approve('Bench1', 'bench', Date.now())
  const watch = cpuStopwatch({ servicePid: service.pid, database: databaseProcesses(target) })
  const result = await task.cycle.execute({ contextId: 'Bench1', clientId: 'bench' })
  const run = watch.stop()
  const seconds = run.seconds
  if (result.outcome !== 'ok') throw new Error(`${label} into ${target} failed: ${result.message}`)
  const peak = service.peakRssMb()
  const phases = perRow(await service.phaseSeconds(), rows)
  await task.close()
  await service.stop()
  away?.server.close()
  return {
    bench: label,
    target,
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    mbPerSecond: clients.bytes / seconds / 1e6,
    peakRssMb: peak,
    note: `${clients.describe('RowData')}${away ? `, the database ${DB_RTT_MS} ms away` : ''}`,
    cpu: cpuPerRow(run, rows),
    phases,
    ...(process.env.TM_BENCH_DEBUG
      ? { debug: Object.fromEntries([...clients.timings].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0)])) }
      : {}),
  }
}

/** Calls of about 200 invitation rows: small enough that a call's own cost shows, big enough for the bulk paths. */
const SMALL_CALL_BYTES = 150_000

/** The per-call and per-row parts of the service's (and the database's) CPU, from two apply-only runs. */
function withCallCost(small: Measure, large: Measure): Pick<Measure, 'callCost'> {
  const run = (m: Measure, cpu: number | undefined) =>
    cpu === undefined ? undefined : { rows: m.rows!, calls: m.calls!, cpuUsPerRow: cpu }
  const cost = (pick: (m: Measure) => number | undefined) => {
    const a = run(small, pick(small))
    const b = run(large, pick(large))
    return a && b ? callCost(a, b) : undefined
  }
  const service = cost((m) => m.cpu?.serviceUs)
  const database = cost((m) => m.cpu?.databaseUs)
  return service ? { callCost: { service, ...(database ? { database } : {}) } } : {}
}

/** Seconds in all → µs a row. */
function perRow(seconds: Phases, rows: number): Phases {
  const us = (s: number) => (s * 1e6) / rows
  // The rows scanned as a share of the rows sent, in per cent.
  return {
    parse: us(seconds.parse),
    decode: us(seconds.decode),
    write: us(seconds.write),
    scanned: (100 * seconds.scanned) / rows,
  }
}

async function rawLoad(target: Target, source: string, rows: number): Promise<Measure> {
  const db = await serverDatabase(target)
  const run: CpuRun =
    target === 'sqlite'
      ? await rawSqlite(db.raw, source)
      : target === 'postgres'
        ? await rawPostgres(withDatabase(POSTGRES, db.raw), source)
        : await rawMysql(MYSQL, db.raw, source)
  const how = { sqlite: 'prepared insert, one transaction', postgres: 'COPY', mysql: 'LOAD DATA LOCAL INFILE' }[target]
  const { seconds } = run
  return {
    bench: 'raw load',
    target,
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    note: how,
    cpu: cpuPerRow(run, rows),
  }
}

async function token(): Promise<string> {
  return issuer.issue(tokenClaims('Bench1', 'bench', formatNonce(randomBytes(16)), Date.now()))
}

/**
 * The bench's own poster: Node's HTTP client and bytes as they are, as the task posts. Not fetch,
 * whose encoding of a 1 MB body into fresh memory (about 2.5 ms of page faults on the VMs measured)
 * left the service idle between two calls and counted as its time in apply only.
 */
const poster = new HttpPoster()

async function post(url: string, operation: 'TableSchema' | 'Wipe' | 'RowData', body: string | Buffer): Promise<void> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapActionOf(operation)}"` }
  const reply = await poster.post(new URL(url), headers, bytes, Date.now() + 600_000).reply
  const text = await reply.text(64 * 1024 * 1024)
  if (!text.includes('<IsSuccessful>true</IsSuccessful>')) throw new Error(`${operation} failed: ${text.slice(0, 300)}`)
}

/** Pre-built RowData envelopes of about `batchBytes` posted to the service: parsing and applying only. */
async function applyOnly(target: Target, rows: number, batchBytes: number): Promise<Measure> {
  const db = await serverDatabase(target)
  const service = await startServiceProcess({
    database: db.location,
    databaseName: db.template,
    privateKey: partner.privatePem,
    federatedCert: federated.certificate,
  })
  const schema = buildTableSchema(INVITATION)
  if (!schema.ok) throw new Error('no schema')
  await post(
    service.url,
    'TableSchema',
    writeTableSchemaRequest({ signedToken: await token(), clientState: '', tables: [INVITATION] }),
  )
  await post(
    service.url,
    'Wipe',
    writeWipeRequest({ signedToken: await token(), clientState: '', table: 'invitation' }),
  )
  const encoder = new SoapMirroringClient(service.url)
  // Encoded once, before the clock starts: the poster sends them as they are.
  const envelopes: Buffer[] = []
  let parts: string[] = []
  let size = 0
  let bytes = 0
  const flush = async (lsn: number) => {
    const [head, tail] = rowDataFrame({ signedToken: await token(), clientState: '' })
    const [open, close] = rowDataBatchFrame(INVITATION, String(lsn))
    envelopes.push(Buffer.from(head + open + parts.join('') + close + tail))
    bytes += envelopes.at(-1)!.byteLength
    parts = []
    size = 0
  }
  for (const row of benchRows(rows)) {
    const encoded = encoder.encodeRow({
      operation: 'I',
      values: canonicalRow(schema.value, row, [0]).map((v, i) => encodeWireValue(v, schema.value.columns[i]!.type)),
    })
    if (size + encoded.bytes > batchBytes && parts.length > 0) await flush(-1)
    parts.push(encoded.xml)
    size += encoded.bytes
  }
  await flush(1)
  const watch = cpuStopwatch({ servicePid: service.pid, database: databaseProcesses(target) })
  for (const envelope of envelopes) await post(service.url, 'RowData', envelope)
  const run = watch.stop()
  const seconds = run.seconds
  const peak = service.peakRssMb()
  const phases = perRow(await service.phaseSeconds(), rows)
  await service.stop()
  return {
    bench: `apply only, ${batchBytes >= 1e6 ? `${Math.round(batchBytes / 1e6)} MB` : `${Math.round(batchBytes / 1e3)} KB`} batches`,
    calls: envelopes.length,
    phases,
    target,
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    mbPerSecond: bytes / seconds / 1e6,
    peakRssMb: peak,
    cpu: cpuPerRow(run, rows),
  }
}

const NO_CHANGE_CYCLES = 15

/** Cycles with nothing to send over the real 413-table schema: the service's time per operation. */
async function noChangeCycle(target: Target): Promise<Measure[]> {
  const source = join(dir, `demo-${target}.sqlite`)
  createDemoSource(source, { contacts: 50 })
  const db = await serverDatabase(target)
  const service = await startServiceProcess({
    database: db.location,
    databaseName: db.template,
    privateKey: partner.privatePem,
    federatedCert: federated.certificate,
  })
  // --rtt: the task calls the service through a proxy that holds each way half the round trip.
  const proxy = RTT_MS > 0 ? await delayProxy(service.url, RTT_MS) : undefined
  const clients = new MeasuringClients()
  const config = parseTaskConfig({
    registry: `sqlite:${join(dir, `registry-demo-${target}.sqlite`)}`,
    signingKey: federated.privateKey,
    signingCert: federated.certificate,
    environment: 'development',
    intervalMinutes: '20',
    stopWindow: 'none',
    concurrency: '1',
    callTimeoutSeconds: '600',
    callsInFlight: process.env.MIRROR_CALLS_IN_FLIGHT,
    logLevel: 'silent',
  })
  if (!config.ok) throw new Error(config.error)
  const task = await createMirroringTask(config.config, { clients })
  await task.registry.addApplication({
    clientId: 'bench',
    clientSecret: 's',
    name: 'bench',
    mirroringEnabled: true,
    mirroringUrl: proxy?.url ?? service.url,
    publicKey: readFileSync(partner.publicPem, 'utf8'),
    environment: 'development',
  })
  await task.registry.addTenant({
    contextId: 'Bench1',
    sourceUrl: `sqlite:${source}`,
    skipTable: [],
    batchSize: 1_000_000,
  })
  await task.registry.approve('Bench1', 'bench', Date.now())
  const watch = cpuStopwatch({ servicePid: service.pid, database: databaseProcesses(target) })
  const load = await task.cycle.execute({ contextId: 'Bench1', clientId: 'bench' })
  const loadRun = watch.stop()
  const loadSeconds = loadRun.seconds
  if (load.outcome !== 'ok') throw new Error(`first load of the demo schema failed: ${load.message}`)
  const loadCalls = ['TableSchema', 'Wipe', 'RowData'].map((o) => clients.describe(o)).join('; ')
  const calls = [...clients.timings.values()].reduce((n, times) => n + times.length, 0)
  const perCall = (seconds: number | undefined) =>
    seconds === undefined ? '' : `${((seconds * 1000) / calls).toFixed(2)}`
  const loadCpu = [
    `task ${perCall(loadRun.cpu.task)}`,
    `service ${perCall(loadRun.cpu.service)}`,
    ...(loadRun.cpu.database === undefined ? [] : [`database ${perCall(loadRun.cpu.database)}`]),
  ].join(', ')
  // Several cycles, as the scheduler runs them: one alone swings with whatever else the VM does.
  const before = await service.callSeconds()
  const totals: number[] = []
  for (let i = 0; i < NO_CHANGE_CYCLES; i++) {
    const started = performance.now()
    const cycle = await task.cycle.execute({ contextId: 'Bench1', clientId: 'bench' })
    totals.push((performance.now() - started) / 1000)
    if (cycle.outcome !== 'ok') throw new Error(`no-change cycle failed: ${cycle.message}`)
  }
  const rtt = RTT_MS > 0 ? `, ${RTT_MS} ms round trips` : ''
  const total = percentile(
    [...totals].sort((x, y) => x - y),
    50,
  )
  const after = await service.callSeconds()
  await task.close()
  proxy?.server.close()
  await service.stop()
  let inService = 0
  const perOperation: Measure[] = []
  for (const [operation, { seconds, calls }] of after) {
    const was = before.get(operation) ?? { seconds: 0, calls: 0 }
    if (calls === was.calls) continue
    inService += seconds - was.seconds
    perOperation.push({
      bench: `no-change cycle: ${operation}`,
      target,
      seconds: (seconds - was.seconds) / NO_CHANGE_CYCLES,
      note: `${(calls - was.calls) / NO_CHANGE_CYCLES} call(s) a cycle, in the service`,
    })
  }
  return [
    {
      bench: `first load, 413 tables (demo schema)${rtt}`,
      target,
      seconds: loadSeconds,
      note: `the whole cycle with the task, most tables empty: a Wipe and a RowData call each; ${loadCalls}; CPU ms a call: ${loadCpu}`,
    },
    {
      bench: `no-change cycle, 399 of 413 tables${rtt}`,
      target,
      seconds: inService / NO_CHANGE_CYCLES,
      note: `in the service; the whole cycle with the task took ${total.toFixed(3)} s (median of ${NO_CHANGE_CYCLES}; ${totals.map((t) => t.toFixed(3)).join(', ')})`,
    },
    ...perOperation,
  ]
}

/** bench/call-memory.ts in its own process, which needs --expose-gc to measure what a call holds. */
function callMemory(): Measure[] {
  const script = new URL('./call-memory.ts', import.meta.url).pathname
  const output = execFileSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8' })
  const calls = JSON.parse(output) as {
    call: string
    bodyBytes: number
    factor: number
    estimate: number
    refused?: string
  }[]
  return calls.map((c) => ({
    bench: `call memory: ${c.call}`,
    target: 'service',
    seconds: 0,
    note: `heap held ${c.factor}× the body (the service's estimate ${c.estimate}×)${c.refused ? '; refused at 8×' : ''}`,
  }))
}

function tenantsMeasure(run: TenantsRun, alone?: TenantsRun): Measure {
  const { cpu, ...tenants } = run
  const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`)
  const perRow = cpuPerRow(cpu, run.rows)
  const ceiling = cpuCeiling(perRow, CORES, alone?.rowsPerSecond)
  return {
    bench: run.tenants === 1 ? 'tenants: one alone' : `tenants: ${run.tenants} at once`,
    target: run.layout ? `${run.target} (${run.layout}s)` : run.target,
    rows: run.rows,
    seconds: run.seconds,
    rowsPerSecond: run.rowsPerSecond,
    peakRssMb: run.peakRssMb,
    ...(alone ? { ratio: `${(run.rowsPerSecond / alone.rowsPerSecond).toFixed(2)}× one tenant` } : {}),
    note: `${run.calls} RowData calls, p50 ${ms(run.latency.p50Ms)}, p99 ${ms(run.latency.p99Ms)}, ${run.busyAnswers} busy`,
    cpu: perRow,
    tenants,
    ...(ceiling ? { ceiling } : {}),
  }
}

/** The many-tenants profile on its own: throughput against one tenant, RowData latency, busy answers, memory. */
/** The task's CPU a row in each full load beside its read and encode steps measured apart; the rest is its calls. */
function printTask(steps: TaskPhases, measures: readonly Measure[]) {
  const us = (n: number) => n.toFixed(1)
  const rows = measures
    .filter((m) => m.bench === 'full load' && m.cpu?.taskUs !== undefined)
    .map((m) => {
      const task = m.cpu!.taskUs!
      return [
        m.bench,
        m.target,
        us(steps.read),
        us(steps.encode),
        us(Math.max(0, task - steps.read - steps.encode)),
        us(task),
      ]
    })
  if (rows.length === 0) return
  const header = ['in the task', 'target', 'read µs/row', 'encode µs/row', 'the rest µs/row', 'task CPU µs/row']
  process.stdout.write(
    `\n${table(header, rows)}\n` +
      "read and encode: the task's SQLite source read in one snapshot, and each row's values and RowData XML\n" +
      'encoded, each measured apart in the bench process before the loads (the best of three after a warm-up); the rest: the\n' +
      "calls (the body, HTTP, a signed token each), the batches' bookkeeping and the garbage collector.\n",
  )
}

function printTenants(measures: readonly Measure[]) {
  const runs = measures.filter((m) => m.tenants)
  if (runs.length === 0) return
  const ms = (n: number) => (Number.isNaN(n) ? '' : Math.round(n).toLocaleString('en'))
  const rows = runs.map((m) => {
    const t = m.tenants!
    return [
      m.target,
      String(t.tenants),
      t.rowsPerTenant.toLocaleString('en'),
      t.seconds.toFixed(1),
      Math.round(t.rowsPerSecond).toLocaleString('en'),
      m.ratio?.replace(' one tenant', '') ?? '',
      m.ceiling === undefined
        ? ''
        : m.ceiling.vsOne === undefined
          ? Math.round(m.ceiling.rowsPerSecond).toLocaleString('en')
          : `${Math.round(m.ceiling.rowsPerSecond).toLocaleString('en')} (${m.ceiling.vsOne.toFixed(2)}×)`,
      ms(t.latency.p50Ms),
      ms(t.latency.p95Ms),
      ms(t.latency.p99Ms),
      ms(t.latency.maxMs),
      String(t.busyAnswers),
      t.inflightPeakMb === undefined ? '' : `${t.inflightPeakMb.toFixed(1)} / ${Math.round(t.inflightLimitMb ?? 0)}`,
      Math.round(t.peakRssMb).toString(),
      t.heapPeakMb === undefined ? '' : `${Math.round(t.heapPeakMb)} / ${Math.round(t.externalPeakMb ?? 0)}`,
      m.cpu ? m.cpu.serviceUs!.toFixed(1) : '',
      m.cpu?.databaseUs === undefined ? 'in service' : m.cpu.databaseUs.toFixed(1),
      m.cpu?.otherUs === undefined ? '' : m.cpu.otherUs.toFixed(1),
    ]
  })
  const header = [
    'many tenants',
    'tenants',
    'rows each',
    'seconds',
    'rows/s',
    'vs one',
    `${CORES} cores allow`,
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'busy',
    'in flight MB',
    'peak RSS MB',
    'heap / ext MB',
    'service µs/row',
    'database µs/row',
    'other µs/row',
  ]
  process.stdout.write(
    `\n${table(header, rows)}\n` +
      `RowData calls of ${ROWS_PER_CALL.toLocaleString('en')} rows of 3 columns (${Math.round(runs[0]!.tenants!.callBytes / 1024)} KB), one call in flight per tenant, every run\n` +
      'into empty mirrors and a fresh service process; latency per call from post to reply, busy answers and their\n' +
      'waits included; busy: calls answered 503 and tried again; in flight: the most request-body bytes the service\n' +
      "held at once / its limit (--max-inflight-bytes); peak RSS: the service's VmHWM; heap / ext: the largest V8\n" +
      'heap (total) and external memory its /metrics showed, sampled every second; cores allow: the rows/s\n' +
      "with every core busy at the run's CPU a row (bench, service, database), and that against one tenant\n" +
      '(no spread of the work over threads or processes goes past it, only less CPU a row). Targets (issue):\n' +
      'peak RSS ≤ 256 MB, p99 ≤ 1,000 ms, rows/s ≥ 2× one tenant.\n',
  )
}

function print(measures: readonly Measure[]) {
  const rows = measures.map((m) => [
    m.round ? `${m.bench} (round ${m.round})` : m.bench,
    m.target,
    m.rows?.toLocaleString('en') ?? '',
    m.seconds.toFixed(3),
    m.rowsPerSecond ? Math.round(m.rowsPerSecond).toLocaleString('en') : '',
    m.mbPerSecond ? m.mbPerSecond.toFixed(1) : '',
    m.peakRssMb ? Math.round(m.peakRssMb).toString() : '',
    m.ratio ?? '',
    m.note ?? '',
  ])
  const header = ['benchmark', 'target', 'rows', 'seconds', 'rows/s', 'SOAP MB/s', 'peak RSS MB', 'vs raw', 'note']
  process.stdout.write(`${table(header, rows)}\n`)
  const timed = measures.filter((m) => m.cpu && m.rows)
  if (timed.length === 0) return
  const us = (n: number | undefined) => (n === undefined ? '' : n.toFixed(1))
  const cpuRows = timed.map((m) => {
    const c = m.cpu!
    // SQLite has no server: it runs in the service, or in the bench process for the raw load.
    const inside = c.serviceUs === undefined ? 'in task' : 'in service'
    return [
      m.bench,
      m.target,
      m.rows!.toLocaleString('en'),
      us(c.wallUs),
      us(c.taskUs),
      us(c.serviceUs),
      c.databaseUs === undefined ? inside : us(c.databaseUs),
      us(c.otherUs),
      c.coresBusy.toFixed(2),
      c.faultsPer1000
        ? [c.faultsPer1000.task, c.faultsPer1000.service]
            .filter((n) => n !== undefined)
            .map((n) => n.toFixed(0))
            .join(', ')
        : '',
      Object.entries(c.seconds.others ?? {})
        .slice(0, 3)
        .map(([comm, seconds]) => `${comm} ${seconds.toFixed(2)} s`)
        .join(', '),
    ]
  })
  const cpuHeader = [
    'where the CPU goes',
    'target',
    'rows',
    'wall µs/row',
    'task µs/row',
    'service µs/row',
    'database µs/row',
    'other µs/row',
    'cores busy',
    'faults/1k rows',
    'busiest other processes',
  ]
  process.stdout.write(
    `\n${table(cpuHeader, cpuRows)}\n` +
      `CPU µs (user + system) per row during each run, on ${CORES} cores. task: the bench process (the Mirroring\n` +
      'Task in a full load, the HTTP poster in apply only, the loader in a raw load, pgloader as its child);\n' +
      'service: its child process; database: all postgres processes, or mariadbd (SQLite runs inside the service);\n' +
      'other: the rest of the machine meanwhile (/proc/stat), and its busiest processes by name (those still\n' +
      'there at the end); cores busy = (task + service + database) / wall; faults: minor page faults per\n' +
      '1,000 rows of the task and of the service, first touches of fresh memory (about 10 µs each on some VMs).\n',
  )
  const phased = timed.filter((m) => m.phases)
  if (phased.length === 0) return
  const phaseRows = phased.map((m) => {
    const p = m.phases!
    return [
      m.bench,
      m.target,
      us(p.parse),
      us(p.decode),
      us(p.write),
      us(m.cpu!.serviceUs),
      `${p.scanned.toFixed(1)} %`,
    ]
  })
  const phaseHeader = [
    'in the service',
    'target',
    'parse µs/row',
    'decode µs/row',
    'write µs/row',
    'service CPU µs/row',
    'rows scanned',
  ]
  process.stdout.write(
    `\n${table(phaseHeader, phaseRows)}\n` +
      "The service's own account (tenant_mirror_rowdata_phase_seconds_total over the rows sent): parse, the body's\n" +
      'UTF-8 decoding and XML scanning as it arrived (not the waits); decode, checking TableInfo and decoding the\n' +
      "values; write, the locks, the transaction and the engine (wall time: a database server's work included). The\n" +
      'rest of the CPU is HTTP, the token, the reply, the garbage collector outside these, and the kernel. Rows\n' +
      "scanned: read tag by tag by the scanner rather than whole in the Mirroring Task's spelling (those cut by the\n" +
      'ends of the pieces the body arrived in).\n',
  )
}

function printShares(shares: ReturnType<typeof sharesOverRounds>) {
  process.stdout.write(
    `\n${table(['over the rounds', 'share', 'median', 'range', 'each round'], shareRows(shares))}\n` +
      `The mirror loads' rates as shares of the raw load (and of pgloader) run just before them in the same\n` +
      `round, over ${ROUNDS} rounds: the issue's targets are these ratios, and one round's move with the VM's phases.\n`,
  )
}

function printCallCost(measures: readonly Measure[]) {
  const costed = measures.filter((m) => m.callCost && m.calls && m.rows && m.cpu?.serviceUs)
  if (costed.length === 0) return
  const rows = costed.map((m) => {
    const { service, database } = m.callCost!
    const callsPerRow = m.calls! / m.rows!
    return [
      m.target,
      service.perCallUs.toFixed(0),
      service.perRowUs.toFixed(1),
      `${Math.round((100 * service.perCallUs * callsPerRow) / m.cpu!.serviceUs!)} %`,
      database ? database.perCallUs.toFixed(0) : 'in service',
      database ? database.perRowUs.toFixed(1) : '',
    ]
  })
  const header = [
    'a RowData call',
    'service µs/call',
    'service µs/row',
    "calls' share, 1 MB",
    'database µs/call',
    'database µs/row',
  ]
  process.stdout.write(
    `\n${table(header, rows)}\n` +
      'CPU of apply only split into what a call costs whatever its rows (HTTP, the token, the state store, the\n' +
      'statements around the rows, the reply) and what a row costs, from the 1 MB run and one of ' +
      `${SMALL_CALL_BYTES / 1000} KB calls;\n` +
      "calls' share: of the service's CPU in the 1 MB run.\n",
  )
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

try {
  log('building dist/ (the service process runs the compiled code)')
  execFileSync('npm', ['run', '-s', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
  log(`tenant-mirror bench: ${ROWS.toLocaleString('en')} rows, targets ${TARGETS.join(', ')}`)
  const source = join(dir, 'source.sqlite')
  const pristine = join(dir, 'source-pristine.sqlite')
  // Only the loads read the invitation source: `--only tenants` and the like need not build it.
  if (['raw', 'pgloader', 'full'].some((b) => ONLY.has(b))) {
    createBenchSource(source, ROWS)
    copyFileSync(source, pristine)
  }
  let taskSteps: TaskPhases | undefined
  if (ONLY.has('full')) {
    log("the task's read and encode steps, measured apart")
    taskSteps = await taskPhases(pristine, INVITATION.name)
  }
  // Each dialect's raw load runs just before its mirror loads, so that a share of raw compares
  // loads minutes apart at most (the VM's speed drifts); `--rounds` repeats them.
  for (let round = 1; round <= ROUNDS; round++) {
    const inRound = ROUNDS > 1 ? { round } : {}
    const say = (line: string) => log(ROUNDS > 1 ? `round ${round} of ${ROUNDS}: ${line}` : line)
    for (const target of TARGETS) {
      let raw: Measure | undefined
      const ratioTo = (measure: Measure, extra = '') =>
        raw ? `${Math.round((100 * measure.rowsPerSecond!) / raw.rowsPerSecond!)}% of raw${extra}` : extra.slice(2)
      if (ONLY.has('raw')) {
        say(`raw load into ${target}`)
        raw = { ...(await rawLoad(target, pristine, ROWS)), ...inRound }
        results.push(raw)
      }
      let pgloaderMeasure: Measure | undefined
      if (ONLY.has('pgloader') && target === 'postgres') {
        const db = await serverDatabase('postgres')
        say('pgloader into postgres')
        const run = pgloader(pristine, withDatabase(POSTGRES, db.raw))
        if (run !== undefined) {
          pgloaderMeasure = {
            bench: 'pgloader (SQLite → PostgreSQL)',
            target: 'postgres',
            rows: ROWS,
            seconds: run.seconds,
            rowsPerSecond: ROWS / run.seconds,
            cpu: cpuPerRow(run, ROWS),
            ...inRound,
          }
          results.push(pgloaderMeasure)
        } else log('pgloader is not installed (apt-get install pgloader): skipped')
      }
      if (ONLY.has('full')) {
        say(`full load into ${target}`)
        const measure = await fullLoad(target, source, ROWS)
        const extra = pgloaderMeasure
          ? `, ${Math.round((100 * measure.rowsPerSecond!) / pgloaderMeasure.rowsPerSecond!)}% of pgloader`
          : ''
        results.push({ ...measure, ratio: ratioTo(measure, extra), ...inRound })
      }
      if (ONLY.has('apply')) {
        say(`apply only into ${target}`)
        const measure = await applyOnly(target, ROWS, 1_000_000)
        // The same rows in calls of about 200 rows: the difference is what a call costs besides its rows.
        say(`apply only into ${target}, ${SMALL_CALL_BYTES / 1000} KB calls`)
        const small = await applyOnly(target, Math.min(ROWS, 200_000), SMALL_CALL_BYTES)
        results.push(
          { ...measure, ratio: ratioTo(measure), ...withCallCost(small, measure), ...inRound },
          {
            ...small,
            ...inRound,
          },
        )
      }
    }
  }
  if (ONLY.has('memory')) {
    log('apply only with 10 MB batches (memory)')
    results.push(await applyOnly('sqlite', Math.min(ROWS, 200_000), 10_000_000))
  }
  if (ONLY.has('nochange')) {
    for (const target of TARGETS) {
      log(`first load and no-change cycles of the demo schema into ${target}`)
      results.push(...(await noChangeCycle(target)))
    }
  }
  if (ONLY.has('callmem')) {
    log('memory a parsed call holds per byte of its body')
    results.push(...callMemory())
  }
  if (ONLY.has('cycles')) {
    const tenants = flags.quick ? 50 : Number(flags.cycleTenants)
    const runs = await cyclesPerMinute({
      dir,
      postgres: POSTGRES,
      tenants,
      concurrency: 4,
      keys: partner,
      federated,
      log,
    })
    for (const r of runs) {
      results.push({
        bench: `cycles per minute, ${r.workers} worker(s) of 4`,
        target: 'sqlite',
        rows: r.cycles,
        seconds: r.seconds,
        note: `${Math.round(r.perMinute)} cycles/min over ${r.tenants} tenants${r.workers > 1 ? `, ${(r.perMinute / runs[0]!.perMinute).toFixed(2)}× one worker` : ''}`,
      })
    }
  }
  if (ONLY.has('tenants')) {
    const tenants = flags.quick ? 20 : Number(flags.tenants)
    const perTenant = flags.quick ? 10_000 : Number(flags.tenantRows)
    // One tenant alone sends at least 50 calls, so that its rate is not that of a cold first call.
    const alone = Math.max(perTenant, 50 * ROWS_PER_CALL)
    const options = {
      dir,
      postgres: POSTGRES,
      mysql: MYSQL,
      keys: partner,
      federatedCert: federated.certificate,
      issuer,
      postgresLayout: flags.pgLayout,
      ...(flags.tenantsInflightMb ? { inflightBytes: Math.round(Number(flags.tenantsInflightMb) * 2 ** 20) } : {}),
    }
    for (const target of TARGETS) {
      log(`tenants: one tenant alone, ${alone.toLocaleString('en')} rows into ${target}`)
      const one = await tenantsAtOnce(target, 1, alone, options)
      results.push(tenantsMeasure(one))
      log(`tenants: ${tenants} tenants × ${perTenant.toLocaleString('en')} rows at once into ${target}`)
      const many = await tenantsAtOnce(target, tenants, perTenant, options)
      results.push(tenantsMeasure(many, one))
    }
  }
  if (ONLY.has('memory') && BIG > 0) {
    log(`memory: a ${BIG.toLocaleString('en')}-row table into sqlite`)
    const big = join(dir, 'big.sqlite')
    createBenchSource(big, BIG)
    results.push(await fullLoad('sqlite', big, BIG, `full load, ${BIG.toLocaleString('en')} rows (memory)`))
  }
  print(results)
  if (taskSteps) printTask(taskSteps, results)
  printCallCost(results)
  const shares = sharesOverRounds(results, TARGETS)
  if (ROUNDS > 1) printShares(shares)
  printTenants(results)
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    clockTicks: CLOCK_TICKS,
  }
  const out = new URL('./results/', import.meta.url).pathname
  mkdirSync(out, { recursive: true })
  const file = join(out, `${new Date().toISOString().replaceAll(':', '-')}.json`)
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), rows: ROWS, rounds: ROUNDS, machine, results, shares, ...(taskSteps ? { taskSteps } : {}) }, null, 2)}\n`,
  )
  log(`written ${file}`)
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
}
