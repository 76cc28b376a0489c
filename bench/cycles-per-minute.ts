import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { PgBossCycleQueue } from '../src/adapters/task/scheduling/pg-boss-cycle-queue.ts'
import { openRegistry } from '../src/adapters/task/store/open-registry.ts'
import { startServiceProcess } from './service-process.ts'

const MAIN = new URL('../dist/adapters/cli/main.js', import.meta.url).pathname
const QUIET = { debug() {}, info() {}, warn() {}, error() {} }

export interface CyclesPerMinute {
  readonly workers: number
  readonly tenants: number
  readonly cycles: number
  readonly seconds: number
  readonly perMinute: number
}

/**
 * Cycles per minute of the shared queue: `tenants` small tenants (two tables of 50 rows; a few
 * changes between rounds), one service process, and 1 then 3 `task worker` processes of
 * `concurrency` each taking from one pg-boss queue. Each round queues every pair at once and
 * times until the queue has run them all; the first round (full loads) is not counted.
 */
export async function cyclesPerMinute(options: {
  readonly dir: string
  readonly postgres: string
  readonly tenants: number
  readonly concurrency: number
  readonly keys: { privatePem: string; publicPem: string }
  readonly federated: { privateKey: string; certificate: string }
  readonly log: (line: string) => void
}): Promise<CyclesPerMinute[]> {
  const name = `tmbench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: options.postgres })
  await admin.connect()
  await admin.query(`create database "${name}"`)
  const url = new URL(options.postgres)
  url.pathname = `/${name}`
  const db = url.toString()
  const service = await startServiceProcess({
    database: `sqlite:${join(options.dir, 'cycle-mirrors')}`,
    privateKey: options.keys.privatePem,
    federatedCert: options.federated.certificate,
  })
  const registry = await openRegistry(db)
  const queue = await PgBossCycleQueue.open(
    db,
    { heartbeatSeconds: 30, expirySeconds: 600, retryLimit: 2, retryDelaySeconds: 1 },
    QUIET,
  )
  const results: CyclesPerMinute[] = []
  try {
    await registry.addApplication({
      clientId: 'bench',
      clientSecret: 'secret',
      name: 'Bench partner',
      mirroringEnabled: true,
      mirroringUrl: service.url,
      publicKey: readFileSync(options.keys.publicPem, 'utf8'),
      environment: 'development',
    })
    const sources: string[] = []
    for (let i = 0; i < options.tenants; i++) {
      const file = join(options.dir, `cycle-source-${i}.sqlite`)
      smallSource(file)
      sources.push(file)
      await registry.addTenant({
        contextId: `Bench${i}`,
        sourceUrl: `sqlite:${file}`,
        skipTable: [],
        batchSize: 1_000_000,
      })
      await registry.approve(`Bench${i}`, 'bench', Date.now())
    }
    const round = async () => {
      for (let i = 0; i < options.tenants; i++) await queue.enqueue({ contextId: `Bench${i}`, clientId: 'bench' })
      const started = performance.now()
      for (;;) {
        const open = (await queue.jobs()).filter((j) => ['created', 'retry', 'active'].includes(j.state))
        if (open.length === 0) break
        await new Promise((r) => setTimeout(r, 200))
      }
      return (performance.now() - started) / 1000
    }
    for (const count of [1, 3]) {
      const workers = Array.from({ length: count }, () => startWorker(db, options))
      await new Promise((r) => setTimeout(r, 1500))
      if (count === 1) {
        options.log(`cycles per minute: first round (full loads of ${options.tenants} tenants)`)
        await round()
      }
      for (const file of sources) touch(file)
      options.log(`cycles per minute: ${options.tenants} cycles with ${count} worker(s) of ${options.concurrency}`)
      const seconds = await round()
      results.push({
        workers: count,
        tenants: options.tenants,
        cycles: options.tenants,
        seconds,
        perMinute: (options.tenants / seconds) * 60,
      })
      for (const worker of workers) await stop(worker)
    }
  } finally {
    await queue.close()
    await registry.close()
    await service.stop()
    await admin.query(`drop database if exists "${name}" with (force)`)
    await admin.end()
  }
  return results
}

function startWorker(
  db: string,
  options: { concurrency: number; federated: { privateKey: string; certificate: string } },
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--max-semi-space-size=8',
      MAIN,
      'task',
      'worker',
      '--registry',
      db,
      '--queue',
      db,
      '--concurrency',
      String(options.concurrency),
      '--signing-key',
      options.federated.privateKey,
      '--signing-cert',
      options.federated.certificate,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** Two tables of 50 rows, a primary key each. */
function smallSource(file: string): void {
  const db = new Database(file)
  db.exec('create table contact (contact_id int primary key, name nvarchar(80), updated datetime)')
  db.exec('create table person (person_id int primary key, contact_id int, firstname nvarchar(40))')
  const contact = db.prepare('insert into contact values (?, ?, ?)')
  const person = db.prepare('insert into person values (?, ?, ?)')
  db.transaction(() => {
    for (let i = 1; i <= 50; i++) {
      contact.run(i, `Contact ${i}`, '2026-01-01 10:00:00')
      person.run(i, i, `Person ${i}`)
    }
  })()
  db.close()
}

/** A few changes, so that every cycle of the round has something to send. */
function touch(file: string): void {
  const db = new Database(file)
  db.prepare("update contact set name = name || '.' where contact_id <= 3").run()
  db.close()
}
