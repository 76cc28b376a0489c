import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { dirname, join, resolve } from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import pino from 'pino'
import type { CycleProgress, CycleReport } from '../../application/task/ports/cycle-progress.port.ts'
import type { CyclePair } from '../../application/task/ports/cycle-queue.port.ts'
import { DEFAULTS, type ServiceConfig } from '../bootstrap/config.ts'
import { createMirroringService, type MirroringService } from '../bootstrap/container.ts'
import { parseTaskConfig } from '../bootstrap/task-config.ts'
import { createMirroringTask, type MirroringTask } from '../bootstrap/task-container.ts'
import { generatePartnerKeys, partnerKeyFiles } from '../crypto/key-files.ts'
import { listenSpread } from '../http/spread-listener.ts'
import { parseDatabaseLocation } from '../sql/database-location.ts'
import { createPinoLogger, type LogLevel } from '../system/pino-logger.ts'
import { privateDir, privateFile, tightenIfPresent, writePrivateFile } from '../system/private-files.ts'
import { federatedKeyFiles, generateFederatedKeys } from '../task/crypto/federated-keys.ts'
import { LogProgress } from '../task/progress/log-progress.ts'
import { createDemoSource } from './demo-source.ts'

export const DEMO_TENANT = 'Cust12345'
export const DEMO_APP = 'tenant-mirror-demo'

export interface DevOptions {
  readonly data: string
  readonly reset: boolean
  readonly host: string
  readonly port: number
  readonly intervalSeconds: number
  readonly contacts: number
  /** Level of the JSON log lines, which go to `<data>/dev.log`, not to the terminal. */
  readonly logLevel: LogLevel
  /** Told when each of the scheduler's cycles ends (`dev` prints a line). */
  readonly onCycle?: (pair: CyclePair, report: CycleReport) => void
}

export interface DevSystem {
  readonly url: string
  readonly dashboardUrl: string
  readonly adminToken: string
  readonly service: MirroringService
  readonly task: MirroringTask
  readonly files: { readonly source: string; readonly registry: string; readonly mirrors: string; readonly log: string }
  stop(): Promise<void>
}

/**
 * The whole system in one process for a newcomer: on the first run it makes `data/` — keys,
 * an admin token, the demo tenant's source from the real SuperOffice schema, a registered
 * application and the tenant's approval — then runs the client service (SQLite mirrors, the
 * dashboard) and the scheduler against it over loopback HTTP. Later runs reuse `data/`.
 */
export async function startDevSystem(options: DevOptions): Promise<DevSystem> {
  const data = resolve(options.data)
  if (options.reset) rmSync(data, { recursive: true, force: true })
  privateDir(data)
  const keys = join(data, 'keys')
  const partner = partnerKeyFiles(keys)
  const federated = federatedKeyFiles(keys)
  if (!existsSync(partner.privatePem)) generatePartnerKeys(keys)
  if (!existsSync(federated.certificate)) generateFederatedKeys(keys)
  const tokenFile = join(data, 'admin-token')
  if (!existsSync(tokenFile)) writePrivateFile(tokenFile, `${randomBytes(24).toString('hex')}\n`)
  const adminToken = readFileSync(tokenFile, 'utf8').trim()
  const source = join(data, 'sources', `${DEMO_TENANT}.sqlite`)
  if (!existsSync(source)) createDemoSource(source, { contacts: options.contacts })
  // What an older version left readable by others; the registry and mirrors are tightened as they open.
  const kept = [keys, ...Object.values(partner), ...Object.values(federated), tokenFile, dirname(source), source]
  for (const path of kept) tightenIfPresent(path)
  const mirrors = join(data, 'mirrors')
  // The service's and the task's JSON log lines go to a file of their own: the terminal gets a
  // line per cycle, and the details are in the file (`tail -f data/dev.log`).
  const log = join(data, 'dev.log')
  privateFile(log)
  const logger = createPinoLogger(options.logLevel, pino.destination({ dest: log, append: true, sync: true }))

  const config: ServiceConfig = {
    port: options.port,
    host: options.host,
    path: DEFAULTS.path,
    database: parseDatabaseLocation(`sqlite:${mirrors}`)!,
    databaseNameTemplate: DEFAULTS.databaseNameTemplate,
    maxContextIdLength: 64,
    clientId: DEMO_APP,
    privateKeyFile: join(keys, 'private.pem'),
    federated: { kind: 'files', files: [join(keys, 'federated.crt')] },
    clockSkewSeconds: DEFAULTS.clockSkewSeconds,
    maxTokenLifetimeSeconds: DEFAULTS.maxTokenLifetimeSeconds,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    maxInflightBytes: DEFAULTS.maxInflightBytes,
    maxInflightCalls: DEFAULTS.maxInflightCalls,
    bodyTimeoutMs: DEFAULTS.bodyTimeoutSeconds * 1000,
    idleTimeoutMs: DEFAULTS.idleTimeoutSeconds * 1000,
    maxXmlDepth: DEFAULTS.maxXmlDepth,
    maxXmlElements: DEFAULTS.maxXmlElements,
    logLevel: options.logLevel,
    keyColumns: new Map(),
    maxOpenDatabases: DEFAULTS.maxOpenDatabases,
    idleDatabaseMs: DEFAULTS.idleDatabaseMs,
    staleBatches: DEFAULTS.staleBatches,
    adminToken,
    state: `sqlite:${join(data, 'state.sqlite')}`,
    stateRetention: { days: DEFAULTS.stateRetentionDays, rowsPerTenant: DEFAULTS.stateRowsPerTenant },
    staleAfterMs: DEFAULTS.staleAfterMinutes * 60_000,
    metricsTenantLabels: true,
    durableCommits: DEFAULTS.durableCommits,
    waitForDatabaseMs: 0,
  }
  const service = createMirroringService(config, { logger })
  await service.ready()
  await service.state.knowTenant(DEMO_TENANT, Date.now())
  const server = createAdaptorServer({ fetch: service.app.fetch, hostname: options.host }) as Server
  server.requestTimeout = config.bodyTimeoutMs + 10_000
  const listening = await listenSpread(server, options.port, options.host)
  const base = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${listening.port}`
  const url = `${base}${DEFAULTS.path}`

  const registry = join(data, 'registry.sqlite')
  const taskConfig = parseTaskConfig({
    registry: `sqlite:${registry}`,
    signingKey: join(keys, 'federated-private.pem'),
    signingCert: join(keys, 'federated.crt'),
    environment: 'development',
    intervalMinutes: String(options.intervalSeconds / 60),
    stopWindow: 'none',
    concurrency: '2',
    callTimeoutSeconds: '600',
    logLevel: options.logLevel,
  })
  if (!taskConfig.ok) throw new Error(taskConfig.error)
  const task = await createMirroringTask(taskConfig.config, {
    logger,
    progress: (pair) => reporting(new LogProgress(logger, { ...pair }), (report) => options.onCycle?.(pair, report)),
  })
  const publicKey = readFileSync(join(keys, 'public.pem'), 'utf8')
  if (await task.registry.application(DEMO_APP)) {
    await task.registry.updateApplication(DEMO_APP, { mirroringUrl: url, publicKey, mirroringEnabled: true })
  } else {
    await task.registry.addApplication({
      clientId: DEMO_APP,
      clientSecret: randomBytes(16).toString('hex'),
      name: 'tenant-mirror demo partner',
      mirroringEnabled: true,
      mirroringUrl: url,
      publicKey,
      environment: 'development',
    })
  }
  if (!(await task.registry.tenant(DEMO_TENANT))) {
    await task.registry.addTenant({
      contextId: DEMO_TENANT,
      sourceUrl: `sqlite:${source}`,
      skipTable: [],
      batchSize: 1_000_000,
    })
  }
  await task.registry.approve(DEMO_TENANT, DEMO_APP, Date.now())

  const tick = () =>
    task.schedule.tick().catch((error: unknown) => task.logger.error({ err: String(error) }, 'scheduler tick failed'))
  const timer = setInterval(tick, 1000)
  void tick()

  let stopped: Promise<void> | undefined
  return {
    url,
    dashboardUrl: `${base}/admin?token=${adminToken}`,
    adminToken,
    service,
    task,
    files: { source, registry, mirrors, log },
    stop() {
      stopped ??= (async () => {
        clearInterval(timer)
        service.metrics.ready = false
        await task.close()
        const others = listening.close()
        server.closeAllConnections()
        await new Promise<void>((done) => server.close(() => done()))
        await others
        await service.close()
      })()
      return stopped
    },
  }
}

/** The log lines of a progress, and its end told to `onCycle`. */
function reporting(progress: CycleProgress, onCycle: (report: CycleReport) => void): CycleProgress {
  return {
    tableStarted: (table, kind, expectedRows) => progress.tableStarted(table, kind, expectedRows),
    rowsSent: (table, rows) => progress.rowsSent(table, rows),
    tableFinished: (table) => progress.tableFinished(table),
    cycleFinished: onCycle,
  }
}
