import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSystem } from '../support/e2e-system.ts'

const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname
const LINE = /^\d\d:\d\d:\d\d Cust1 e2eapp cycle ok: 1 table, \d+ rows? in \d+\.\d s$/

let system: Awaited<ReturnType<typeof startSystem>>

beforeAll(async () => {
  system = await startSystem('sqlite', 'sqlite')
  await system.source.exec('create table person (person_id int primary key, name nvarchar(50))')
  await system.source.exec("insert into person values (1, 'Ann'), (2, 'Bob')")
}, 60_000)

afterAll(async () => {
  await system?.close()
})

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

/** `task run --once` as its own process, through pipes or, with `terminal`, on a pseudo-terminal (`script`). */
function taskRun(
  args: readonly string[],
  terminal = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    TERM: 'xterm',
    MIRROR_REGISTRY: system.files.registry,
    MIRROR_SIGNING_KEY: system.files.signingKey,
    MIRROR_SIGNING_CERT: system.files.signingCert,
  }
  const argv = [BIN, 'task', 'run', '--tenant', 'Cust1', '--once', ...args]
  const child = terminal
    ? spawn('script', ['-qec', [process.execPath, ...argv].map(quote).join(' '), '/dev/null'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '')

/** Issue 16, point 8: `task run` prints one format, never both. */
describe('tenant-mirror task run output', () => {
  it('prints JSON lines only when its output is not a terminal: the tables moved and the cycle', async () => {
    const run = await taskRun([])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const entries = lines(run.stdout).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(entries).toEqual([
      expect.objectContaining({ contextId: 'Cust1', clientId: 'e2eapp', table: 'person', load: 'full', rows: 2 }),
      expect.objectContaining({
        contextId: 'Cust1',
        clientId: 'e2eapp',
        outcome: 'ok',
        msg: expect.stringMatching(/^mirroring cycle completed: 1 tables \(1 reloaded\), 2 inserts/),
      }),
    ])
  }, 60_000)

  it('prints one text line per cycle with --format text, and no JSON', async () => {
    await system.source.exec("insert into person values (3, 'Cy')")
    const run = await taskRun(['--format', 'text'])
    expect(run.code).toBe(0)
    expect(lines(run.stdout)).toEqual([expect.stringMatching(LINE)])
    expect(run.stdout).toContain('1 table, 1 row in')
    expect(run.stderr).toBe('')
  }, 60_000)

  it('prints text on a terminal: bars while the cycle runs, then its line, and no JSON through them', async () => {
    await system.source.exec("update person set name = 'Ann B' where person_id = 1")
    const run = await taskRun([], true)
    expect(run.code).toBe(0)
    const text = run.stdout.replace(/\r/g, '')
    expect(text).toMatch(/\d\d:\d\d:\d\d Cust1 e2eapp cycle ok: 1 table, 1 row in \d+\.\d s/)
    expect(text).toContain('rows incremental')
    expect(text).not.toContain('"level"')
    expect(text).not.toContain('{')
  }, 60_000)

  it('says a failed cycle in the chosen format, exit 1 in both', async () => {
    const url = (await system.task.registry.application('e2eapp'))!.mirroringUrl
    await system.task.registry.updateApplication('e2eapp', {
      mirroringUrl: 'http://127.0.0.1:1/MirroringClientService.svc',
    })
    try {
      const [text, json] = await Promise.all([taskRun(['--format', 'text']), taskRun(['--format', 'json'])])
      expect(text.code).toBe(1)
      expect(lines(text.stdout)).toEqual([
        expect.stringMatching(/^\d\d:\d\d:\d\d Cust1 e2eapp cycle failed after \d+\.\d s: \S/),
      ])
      expect(json.code).toBe(1)
      expect(lines(json.stdout).map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ contextId: 'Cust1', clientId: 'e2eapp', outcome: 'failed' }),
      ])
      expect(text.stderr + json.stderr).toBe('')
    } finally {
      await system.task.registry.updateApplication('e2eapp', { mirroringUrl: url })
    }
  }, 60_000)
})
