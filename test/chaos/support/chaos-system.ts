import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { assembleMirroringService } from '../../../src/adapters/bootstrap/container.ts'
import { parseTaskConfig } from '../../../src/adapters/bootstrap/task-config.ts'
import { createMirroringTask, type MirroringTask } from '../../../src/adapters/bootstrap/task-container.ts'
import { generatePartnerKeys } from '../../../src/adapters/crypto/key-files.ts'
import { escapeXml } from '../../../src/adapters/soap/xml-text.ts'
import { parseDatabaseLocation } from '../../../src/adapters/sql/database-location.ts'
import { databaseNaming } from '../../../src/adapters/sql/database-naming.ts'
import { generateFederatedKeys } from '../../../src/adapters/task/crypto/federated-keys.ts'
import { Rs256TokenIssuer } from '../../../src/adapters/task/crypto/rs256-token-issuer.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { formatNonce, tokenClaims } from '../../../src/domain/task/issued-token.ts'
import { openSource, type SourceDriver } from '../../support/e2e-sources.ts'
import { mirrorDigests, sourceDigests, type TableDigest } from '../../support/e2e-system.ts'
import { MYSQL_URL, POSTGRES_URL, uniqueTemplate } from '../../support/servers.ts'
import { testConfig } from '../../support/test-service.ts'
import { ChaosProxy } from './chaos-proxy.ts'
import { ServiceChild } from './service-child.ts'

export type ChaosMirror = 'sqlite' | 'postgres' | 'mysql'

const APP = 'chaosapp'
const QUIET = { debug() {}, info() {}, warn() {}, error() {} }
const BIN = new URL('../../../bin/tenant-mirror.js', import.meta.url).pathname

/**
 * The whole system for the chaos suites: a SQLite source with change tracking, the client
 * service as its own process (killable), a ChaosProxy between them, and the Mirroring Task
 * either in this process or as a `tenant-mirror task run --once` process (killable too).
 */
export async function startChaosSystem(
  mirror: ChaosMirror,
  options: {
    tenants?: readonly string[]
    serviceArgs?: readonly string[]
    batchSize?: number
    /** Service processes sharing the mirrors, each call to the next (PostgreSQL: separate pools and locks). */
    instances?: number
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'tm-chaos-'))
  const partner = generatePartnerKeys(join(dir, 'partner'))
  const federated = generateFederatedKeys(join(dir, 'federated'))
  const template = uniqueTemplate('tmchaos')
  const tag = template.replace('_{contextId}', '')
  const location = await mirrorLocation(mirror, dir, tag)
  const serviceArgs = [
    '--database',
    location,
    '--database-name',
    template,
    '--client-id',
    APP,
    '--private-key',
    partner.privatePem,
    '--federated-cert',
    federated.certificate,
    '--log-level',
    'error',
    ...(options.serviceArgs ?? []),
  ]
  const services = await Promise.all(
    Array.from({ length: options.instances ?? 1 }, () => ServiceChild.start({ args: serviceArgs })),
  )
  const service = services[0]!
  const proxy = await ChaosProxy.start(...services.map((s) => s.url))
  const tenants = options.tenants ?? ['Cust1']
  const sources = new Map<string, SourceDriver>()
  for (const tenant of tenants) {
    mkdirSync(join(dir, tenant))
    sources.set(tenant, await openSource('sqlite', join(dir, tenant)))
  }

  const registry = `sqlite:${join(dir, 'registry.sqlite')}`
  const config = parseTaskConfig({
    registry,
    signingKey: federated.privateKey,
    signingCert: federated.certificate,
    environment: 'development',
    intervalMinutes: '20',
    stopWindow: 'none',
    concurrency: String(Math.min(tenants.length, 50)),
    callTimeoutSeconds: '60',
    logLevel: 'silent',
  })
  if (!config.ok) throw new Error(config.error)
  const task: MirroringTask = await createMirroringTask(config.config, { logger: QUIET })
  await task.registry.addApplication({
    clientId: APP,
    clientSecret: 'secret',
    name: 'Chaos partner',
    mirroringEnabled: true,
    mirroringUrl: proxy.url,
    publicKey: readFileSync(partner.publicPem, 'utf8'),
    environment: 'development',
  })
  for (const [tenant, source] of sources) {
    await task.registry.addTenant({
      contextId: tenant,
      sourceUrl: source.url,
      skipTable: [],
      batchSize: options.batchSize ?? 8_192,
    })
    await task.registry.approve(tenant, APP, Date.now())
  }
  const issuer = Rs256TokenIssuer.fromFiles(federated.privateKey, federated.certificate)
  /** A reader of the mirrors in this process, opened per comparison so that it holds nothing between. */
  const withMirrors = async <T>(
    work: (mirrors: ReturnType<typeof assembleMirroringService>['mirrors']) => Promise<T>,
  ) => {
    const { mirrors } = assembleMirroringService(
      testConfig({
        database: parseDatabaseLocation(location)!,
        databaseNameTemplate: template,
        clientId: APP,
        privateKeyFile: partner.privatePem,
        federated: { kind: 'files', files: [federated.certificate] },
      }),
      { logger: QUIET },
    )
    try {
      return await work(mirrors)
    } finally {
      await mirrors.close()
    }
  }
  let taskChild: ChildProcess | undefined

  return {
    dir,
    service,
    services,
    serviceArgs,
    proxy,
    task,
    source: (tenant = tenants[0]!) => sources.get(tenant)!,
    /** The name of the tenant's mirror database (or SQLite file without its extension). */
    mirrorDatabase: (tenant = tenants[0]!) => databaseNaming(template)(tenant as ContextId),
    /**
     * What marks this system's server connections and no other process's: their application_name
     * on PostgreSQL, their admin database on MariaDB (see mirrorLocation).
     */
    mirrorTag: tag,
    /** One cycle by the in-process task. */
    run: (tenant = tenants[0]!) => task.cycle.execute({ contextId: tenant, clientId: APP }),
    /** One cycle by `tenant-mirror task run --once` as its own process: its exit code and output. */
    runTaskProcess(tenant = tenants[0]!): Promise<{ code: number | null; signal: string | null; output: string }> {
      const child = spawn(
        process.execPath,
        [BIN, 'task', 'run', '--tenant', tenant, '--once', '--registry', registry],
        {
          env: {
            ...process.env,
            MIRROR_SIGNING_KEY: federated.privateKey,
            MIRROR_SIGNING_CERT: federated.certificate,
            MIRROR_LOG_LEVEL: 'silent',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      taskChild = child
      let output = ''
      child.stdout?.on('data', (c: Buffer) => {
        output += c.toString()
      })
      child.stderr?.on('data', (c: Buffer) => {
        output += c.toString()
      })
      return new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          taskChild = undefined
          resolve({ code, signal, output: output.slice(-4000) })
        }),
      )
    },
    /** SIGKILL to the running task process, if any. */
    async killTask(): Promise<void> {
      const child = taskChild
      if (!child || child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
    /** A RowData body with a fresh SignedToken, as a sender retrying the same batch would send it. */
    async resign(body: string, tenant = tenants[0]!): Promise<string> {
      const token = await issuer.issue(tokenClaims(tenant, APP, formatNonce(randomBytes(16)), Date.now()))
      return body.replace(/(<h:SignedToken[^>]*>)[^<]*(<\/h:SignedToken>)/, `$1${escapeXml(token)}$2`)
    },
    sourceDigests: (tenant = tenants[0]!): Promise<Map<string, TableDigest>> => sourceDigests(sources.get(tenant)!.url),
    mirrorDigests: (tenant = tenants[0]!): Promise<Map<string, TableDigest>> =>
      withMirrors((mirrors) => mirrorDigests(mirrors, tenant)),
    lsns: (tenant = tenants[0]!): Promise<Map<string, number>> =>
      withMirrors(async (mirrors) => {
        const state = await (await mirrors.forTenant(tenant as ContextId)).readState()
        return new Map([...state.tables.values()].map((t) => [t.table, t.lsn]))
      }),
    async close(): Promise<void> {
      await this.killTask()
      await task.close()
      await proxy.close()
      for (const s of services) await s.stop()
      for (const source of sources.values()) await source.close()
      if (mirror === 'postgres') {
        const admin = new pg.Client({ connectionString: POSTGRES_URL })
        await admin.connect()
        for (const tenant of tenants) {
          await admin.query(`drop database if exists "${databaseNaming(template)(tenant as ContextId)}" with (force)`)
        }
        await admin.end()
      }
      if (mirror === 'mysql') {
        const admin = await createConnection({ uri: MYSQL_URL })
        for (const tenant of tenants) {
          await admin.query(`drop database if exists \`${databaseNaming(template)(tenant as ContextId)}\``)
        }
        await admin.query(`drop database if exists \`${tag}\``)
        await admin.end()
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type ChaosSystem = Awaited<ReturnType<typeof startChaosSystem>>

/**
 * The service's --database. A server's connections carry the system's tag — PostgreSQL as
 * application_name, MariaDB as an admin database of its own — so that a suite dropping them
 * leaves other processes on the shared servers alone.
 */
async function mirrorLocation(mirror: ChaosMirror, dir: string, tag: string): Promise<string> {
  if (mirror === 'sqlite') return `sqlite:${join(dir, 'mirrors')}`
  if (mirror === 'postgres') {
    const url = new URL(POSTGRES_URL)
    url.searchParams.set('application_name', tag)
    return url.toString()
  }
  const admin = await createConnection({ uri: MYSQL_URL })
  await admin.query(`create database if not exists \`${tag}\``)
  await admin.end()
  const url = new URL(MYSQL_URL)
  url.pathname = `/${tag}`
  return url.toString()
}
