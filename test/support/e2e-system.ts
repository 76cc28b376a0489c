import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { assembleMirroringService, type MirroringService } from '../../src/adapters/bootstrap/container.ts'
import { parseTaskConfig } from '../../src/adapters/bootstrap/task-config.ts'
import { createMirroringTask, type MirroringTask } from '../../src/adapters/bootstrap/task-container.ts'
import { generatePartnerKeys } from '../../src/adapters/crypto/key-files.ts'
import { parseDatabaseLocation } from '../../src/adapters/sql/database-location.ts'
import { generateFederatedKeys } from '../../src/adapters/task/crypto/federated-keys.ts'
import { ChangeSources } from '../../src/adapters/task/sources/change-sources.ts'
import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import type { Row } from '../../src/domain/changes/cell-value.ts'
import { encodeWireValue } from '../../src/domain/changes/wire-value.ts'
import type { ContextId } from '../../src/domain/handshake/context-id.ts'
import type { TableSchema } from '../../src/domain/schema/table-schema.ts'
import { buildTableSchema } from '../../src/domain/schema/table-schema.ts'
import { BLOCKED_TABLES, tablesToMirror } from '../../src/domain/task/blocked-tables.ts'
import { openSource, type SourceDriver, type SourceKind } from './e2e-sources.ts'
import { FlakyProxy } from './flaky-proxy.ts'
import { inspectorOf } from './inspection.ts'
import { MYSQL_URL, POSTGRES_URL, uniqueTemplate } from './servers.ts'
import { testConfig } from './test-service.ts'

export type MirrorKind = 'sqlite' | 'postgres' | 'mysql'

const CTX = 'Cust1'
const APP = 'e2eapp'
const QUIET = { debug() {}, info() {}, warn() {}, error() {} }

/** What one side holds of a table: rows and a digest of every value, in key order. */
export interface TableDigest {
  readonly rows: number
  readonly sha256: string
  /** Each row as digested, when asked for: a failed comparison then shows which rows differ. */
  readonly lines?: readonly string[]
}

/**
 * The whole system on loopback: the project's Mirroring Task (registry, tokens, a tracked
 * source) calling the project's client service over real HTTP through a proxy that can cut
 * calls, with mirrors in SQLite, PostgreSQL or MariaDB.
 */
export async function startSystem(sourceKind: SourceKind, mirrorKind: MirrorKind, skipTable: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'tm-e2e-'))
  const partner = generatePartnerKeys(join(dir, 'partner'))
  const federated = generateFederatedKeys(join(dir, 'federated'))
  const template = uniqueTemplate('tme2e')
  const location = {
    sqlite: `sqlite:${join(dir, 'mirrors')}`,
    postgres: POSTGRES_URL,
    mysql: MYSQL_URL,
  }[mirrorKind]
  const service: MirroringService = assembleMirroringService(
    testConfig({
      database: parseDatabaseLocation(location)!,
      databaseNameTemplate: template,
      clientId: APP,
      privateKeyFile: partner.privatePem,
      federated: { kind: 'files', files: [federated.certificate] },
    }),
    { logger: QUIET },
  )
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const proxy = await FlakyProxy.start(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}/MirroringClientService.svc`,
  )
  const source: SourceDriver = await openSource(sourceKind, dir)

  const config = parseTaskConfig({
    registry: `sqlite:${join(dir, 'registry.sqlite')}`,
    signingKey: federated.privateKey,
    signingCert: federated.certificate,
    environment: 'development',
    intervalMinutes: '20',
    stopWindow: 'none',
    concurrency: '2',
    callTimeoutSeconds: '60',
    logLevel: 'silent',
  })
  if (!config.ok) throw new Error(config.error)
  const task: MirroringTask = await createMirroringTask(config.config, { logger: QUIET })
  const { readFileSync } = await import('node:fs')
  await task.registry.addApplication({
    clientId: APP,
    clientSecret: 'secret',
    name: 'E2E partner',
    mirroringEnabled: true,
    mirroringUrl: proxy.url,
    publicKey: readFileSync(partner.publicPem, 'utf8'),
    environment: 'development',
  })
  await task.registry.addTenant({ contextId: CTX, sourceUrl: source.url, skipTable, batchSize: 1_000_000 })
  await task.registry.approve(CTX, APP, Date.now())
  const pair = { contextId: CTX, clientId: APP }

  const sourceDigestsNow = () => sourceDigests(source.url, skipTable)
  const mirrorDigestsNow = () => mirrorDigests(service.mirrors, CTX)

  async function dropMirrorDatabase(): Promise<void> {
    const name = template.replace('{contextId}', CTX)
    if (mirrorKind === 'postgres') {
      const admin = new pg.Client({ connectionString: POSTGRES_URL })
      await admin.connect()
      await admin.query(`drop database if exists "${name}" with (force)`)
      await admin.end()
    } else if (mirrorKind === 'mysql') {
      const admin = await mysql.createConnection(MYSQL_URL)
      await admin.query(`drop database if exists \`${name}\``)
      await admin.end()
    }
  }

  return {
    /** What a `task` command run as its own process needs. */
    files: {
      registry: config.config.registry,
      signingKey: federated.privateKey,
      signingCert: federated.certificate,
    },
    source,
    proxy,
    task,
    service,
    run: () => task.cycle.execute(pair),
    sourceDigests: sourceDigestsNow,
    mirrorDigests: mirrorDigestsNow,
    setBatchSize: (bytes: number) => task.registry.updateTenant(CTX, { batchSize: bytes }),
    async lsn(table: string): Promise<number | undefined> {
      const db = await service.mirrors.forTenant(CTX as ContextId)
      return (await db.readState()).tables.get(table.toLowerCase())?.lsn
    },
    async close() {
      await task.close()
      await proxy.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await service.mirrors.close()
      await source.close()
      await dropMirrorDatabase()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Every mirrored table of a source (block list and SkipTable applied), digested in key order. */
export async function sourceDigests(
  url: string,
  skipTable: readonly string[] = [],
  keepLines = false,
): Promise<Map<string, TableDigest>> {
  const tracked = await new ChangeSources().open(url)
  try {
    const wire = await tracked.readSchema()
    const names = tablesToMirror(
      wire.map((t) => t.name),
      skipTable,
      BLOCKED_TABLES,
    )
    const out = new Map<string, TableDigest>()
    for (const name of names) {
      const built = buildTableSchema(wire.find((t) => t.name === name)!)
      if (!built.ok) throw new Error(`source table ${name} does not build`)
      out.set(name, await tracked.snapshot(async (s) => digest(built.value, s.readRows(built.value), keepLines)))
    }
    return out
  } finally {
    await tracked.close()
  }
}

/** Every table of a tenant's mirror, digested in key order. */
export async function mirrorDigests(
  mirrors: MirrorDatabaseProvider,
  contextId: string,
  keepLines = false,
): Promise<Map<string, TableDigest>> {
  const db = await mirrors.forTenant(contextId as ContextId)
  const inspection = await inspectorOf(mirrors).inspect(contextId as ContextId)
  const state = await db.readState()
  const out = new Map<string, TableDigest>()
  for (const table of [...state.tables.values()].sort((a, b) => (a.table < b.table ? -1 : 1))) {
    if (!table.schema) throw new Error(`mirror table ${table.table} has no stored schema`)
    out.set(table.table, await digest(table.schema, inspection.readRows(table.table), keepLines))
  }
  return out
}

async function digest(schema: TableSchema, rows: AsyncIterable<Row>, keepLines: boolean): Promise<TableDigest> {
  const hash = createHash('sha256')
  const lines: string[] = []
  let count = 0
  for await (const row of rows) {
    count++
    const line = JSON.stringify(schema.columns.map((c, i) => encodeWireValue(row[i]!, c.type)))
    hash.update(line)
    hash.update('\n')
    if (keepLines) lines.push(line)
  }
  return { rows: count, sha256: hash.digest('hex'), ...(keepLines ? { lines } : {}) }
}
