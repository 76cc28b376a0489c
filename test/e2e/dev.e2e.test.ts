import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDatabaseLocation } from '../../src/adapters/sql/database-location.ts'
import { databaseNaming } from '../../src/adapters/sql/database-naming.ts'
import { openMirrorDatabases } from '../../src/adapters/sql/mirror-databases.ts'
import type { KyselyRegistry } from '../../src/adapters/task/store/kysely-registry.ts'
import { openRegistry } from '../../src/adapters/task/store/open-registry.ts'
import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import { mirrorDigests, sourceDigests } from '../support/e2e-system.ts'
import { countEntries, notPrivate } from '../support/file-modes.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname
const data = mkdtempSync(join(tmpdir(), 'tm-dev-'))
const SOURCE = `sqlite:${join(data, 'sources', 'Cust12345.sqlite')}`

let dev: ChildProcess
let output = ''
let registry: KyselyRegistry
let mirrors: MirrorDatabaseProvider

/** Waits for a whole cycle that started after `since` (so it saw everything before); returns its log entry. */
async function nextCycle(since: number): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const [status] = await registry.pairStatuses()
    const started = status?.lastStartedAt ?? 0
    const finished = status?.lastFinishedAt ?? 0
    // The cycle's end is recorded before its event is appended: wait for the event too.
    const [last] = started > since && finished >= started ? await registry.list('Cust12345', 1) : []
    if (last && last.at >= finished) {
      expect(status?.lastOutcome, status?.lastError).toBe('ok')
      return last.message
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no cycle logged; dev printed:\n${output}`)
}

async function expectMirrorEqualsSource() {
  const [source, mirror] = await Promise.all([sourceDigests(SOURCE), mirrorDigests(mirrors, 'Cust12345')])
  expect([...mirror.keys()].sort()).toEqual([...source.keys()].sort())
  for (const [table, digest] of source) expect(mirror.get(table), table).toEqual(digest)
  return source
}

/** Issue 5's acceptance: `tenant-mirror dev` on an empty directory brings the whole system up. */
describe('tenant-mirror dev', () => {
  beforeAll(async () => {
    const started = Date.now()
    // Under umask 000, in a directory an older version left 0755: whatever dev leaves open, it made so.
    chmodSync(data, 0o755)
    const args = [BIN, 'dev', '--data', data, '--port', '0', '--interval', '2', '--size', '300']
    dev = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    dev.stdout!.on('data', (c: Buffer) => {
      output += c.toString()
    })
    dev.stderr!.on('data', (c: Buffer) => {
      output += c.toString()
    })
    for (let i = 0; i < 300 && !output.includes('Ctrl-C stops everything'); i++)
      await new Promise((r) => setTimeout(r, 100))
    expect(output).toContain('tenant-mirror is running')
    registry = await openRegistry(`sqlite:${join(data, 'registry.sqlite')}`)
    mirrors = openMirrorDatabases(parseDatabaseLocation(`sqlite:${join(data, 'mirrors')}`)!, {
      naming: databaseNaming('Mirror_{contextId}'),
      longestContextId: 64,
      pool: { maxOpen: 2, idleMs: 60_000 },
    })
    await nextCycle(started - 1)
  }, 90_000)

  afterAll(async () => {
    dev?.kill('SIGKILL')
    await registry?.close()
    await mirrors?.close()
    rmSync(data, { recursive: true, force: true })
  })

  it('prints the service, dashboard and metrics URLs and the admin token', () => {
    expect(output).toMatch(/mirroring service {2}http:\/\/127\.0\.0\.1:\d+\/MirroringClientService\.svc/)
    expect(output).toMatch(/dashboard {10}http:\/\/127\.0\.0\.1:\d+\/admin\?token=[0-9a-f]{48}/)
    expect(output).toMatch(/admin token {8}[0-9a-f]{48}/)
    expect(output).toContain(`  log                ${join(data, 'dev.log')} (JSON lines)`)
  })

  it('mirrors the demo tenant on the first cycle: the real schema, the generated CRM rows', async () => {
    const digests = await expectMirrorEqualsSource()
    expect(digests.size).toBe(399)
    expect(digests.get('contact')?.rows).toBe(300)
    expect(digests.get('person')?.rows).toBe(750)
  })

  it('keeps everything it wrote private: directories 0700, files 0600', () => {
    // data/, keys/ with five files, the admin token, the registry, sources/ and mirrors/ with their databases.
    expect(countEntries(data)).toBeGreaterThanOrEqual(12)
    expect(notPrivate(data)).toEqual([])
  })

  it('carries a round of demo activity, a schema change included, on the next cycle', async () => {
    const before = Date.now()
    const round = await run(process.execPath, [
      BIN,
      'demo',
      'activity',
      '--data',
      data,
      '--rounds',
      '1',
      '--changes',
      '60',
      '--schema-every',
      '1',
    ])
    expect(round.stdout).toMatch(/^round 1: \d+ inserts, \d+ updates, \d+ deletes, added column \w+\.demo_note_\d+\n$/)
    await nextCycle(Date.now())
    // The changes may ride on a cycle that was under way during the round, or on the next one.
    const since = (await registry.list('Cust12345', 50)).filter((e) => e.at >= before).map((e) => e.message)
    expect(
      since.some((m) => / [1-9]\d* (inserts|updates|deletes)/.test(m)),
      since.join('\n'),
    ).toBe(true)
    await expectMirrorEqualsSource()
  })

  it('prints one line per cycle, and the JSON log lines of the service and the task only to data/dev.log', async () => {
    const cycles = () => output.split('\n').filter((line) => / Cust12345 cycle /.test(line))
    for (let i = 0; i < 50 && cycles().length < 2; i++) await new Promise((r) => setTimeout(r, 100))
    expect(cycles()[0]).toMatch(
      /^\d\d:\d\d:\d\d Cust12345 cycle ok: 399 tables \(399 reloaded\), \d+ rows in \d+\.\d s$/,
    )
    expect(cycles()[1]).toMatch(/^\d\d:\d\d:\d\d Cust12345 cycle ok: 399 tables, \d+ rows? in \d+\.\d s$/)
    expect(output.split('\n').filter((line) => line.startsWith('{'))).toEqual([])
    const log = readFileSync(join(data, 'dev.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { operation?: string; msg: string })
    expect(log.some((entry) => entry.operation === 'TableSchema')).toBe(true)
    expect(log.some((entry) => entry.msg.startsWith('mirroring cycle completed: 399 tables'))).toBe(true)
  })

  it('stops cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)))
    dev.kill('SIGINT')
    expect(await exited).toBe(0)
  })
})
