import { spawn } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startSystem } from '../support/e2e-system.ts'

const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname

let system: Awaited<ReturnType<typeof startSystem>>

beforeAll(async () => {
  system = await startSystem('sqlite', 'sqlite')
  await system.source.exec('create table person (person_id int primary key, name nvarchar(50))')
  await system.source.exec("insert into person values (1, 'Ann'), (2, 'Bob')")
}, 60_000)

afterAll(async () => {
  await system?.close()
})

/**
 * `tenant-mirror task schedule` as its own process: the approved pair's first cycle runs right
 * away, its outcome reaches the event log, and SIGTERM stops the scheduler cleanly.
 */
it('runs the first cycle of an approved pair at once and stops cleanly on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'task',
      'schedule',
      '--registry',
      system.files.registry,
      '--signing-key',
      system.files.signingKey,
      '--signing-cert',
      system.files.signingCert,
      '--interval',
      '60',
      '--stop-window',
      'none',
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    for (let i = 0; i < 100 && (await system.task.registry.list('Cust1', 1)).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
    }
    const [event] = await system.task.registry.list('Cust1', 1)
    expect(event).toMatchObject({ type: 'Information', clientId: 'e2eapp' })
    expect(event!.message).toMatch(/^mirroring cycle completed: 1 tables \(1 reloaded\), 2 inserts/)
    const [source, mirror] = await Promise.all([system.sourceDigests(), system.mirrorDigests()])
    expect(mirror).toEqual(source)
  } finally {
    child.kill('SIGTERM')
  }
  expect(await exited).toBe(0)
  expect(output).toContain('tenant-mirror scheduler running')
  expect(output).toContain('scheduler stopping')
}, 60_000)
