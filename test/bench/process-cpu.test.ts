import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import {
  busiestProcesses,
  CLOCK_TICKS,
  CORES,
  cpuCeiling,
  cpuPerRow,
  cpuStopwatch,
  groupCpuSeconds,
  parseStat,
  readStat,
} from '../../bench/process-cpu.ts'

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

function node(script: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
  children.push(child)
  return child
}

async function line(child: ChildProcess): Promise<string> {
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer]
  return chunk.toString().trim()
}

/** /proc's times are whole clock ticks: allow a tick or two on either side. */
const TICK = 2 / CLOCK_TICKS

describe('parseStat', () => {
  it('reads the fields after a command name holding spaces and parentheses', () => {
    const line = '4242 (a b) (c)) S 7 4242 4242 0 -1 4194560 10 0 0 0 150 25 3 4 20 0 1 0 98765 0 0'
    expect(parseStat(line)).toEqual({
      pid: 4242,
      comm: 'a b) (c)',
      ppid: 7,
      minflt: 10,
      utime: 150,
      stime: 25,
      cutime: 3,
      cstime: 4,
      starttime: 98765,
    })
  })
})

describe('busiestProcesses', () => {
  const stat = (pid: number, comm: string, utime: number, cutime = 0, starttime = 1) => ({
    pid,
    comm,
    ppid: 1,
    utime,
    stime: 0,
    cutime,
    cstime: 0,
    starttime,
    minflt: 0,
  })
  it("counts each process's own time since the first sample, or since it started, by name", () => {
    const before = [
      stat(1, 'bash', 10, 0),
      stat(2, 'kworker/0:1-events', 5),
      stat(3, 'postgres', 0),
      stat(4, 'old', 50),
    ]
    const after = [
      // The shell reaped a child that ran for 30 s: that is not the shell's.
      stat(1, 'bash', 10, 3000),
      stat(2, 'kworker/0:1-mm_percpu_wq', 5 + CLOCK_TICKS),
      stat(3, 'postgres', CLOCK_TICKS),
      // Pid 4 was reused by a new process: it counts from its start.
      stat(4, 'new', CLOCK_TICKS / 2, 0, 99),
      stat(5, 'kworker/1:0-events', CLOCK_TICKS / 2),
    ]
    expect(busiestProcesses(before, after, (p) => p.comm === 'postgres')).toEqual({ kworker: 1.5, new: 0.5 })
  })
})

describe.runIf(process.platform === 'linux')('process CPU from /proc', () => {
  it('reads this process', () => {
    const self = readStat('self')
    expect(self?.pid).toBe(process.pid)
    expect(readStat(2 ** 30)).toBeUndefined()
  })

  it('measures a busy-looping child: more than nothing, no more than the wall time on every core', async () => {
    const child = node("process.stdout.write('ready\\n'); for (;;) {}")
    expect(await line(child)).toBe('ready')
    const watch = cpuStopwatch({ servicePid: child.pid! })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const run = watch.stop()
    expect(run.cpu.service).toBeGreaterThan(0)
    expect(run.cpu.service!).toBeLessThanOrEqual(run.seconds * CORES + TICK)
    expect(run.cpu.task).toBeGreaterThanOrEqual(0)
    expect(run.cpu.task).toBeLessThanOrEqual(run.seconds * CORES + TICK)
    if (run.cpu.machine !== undefined) expect(run.cpu.machine).toBeLessThanOrEqual(run.seconds * CORES + TICK)
    const perRow = cpuPerRow(run, 1000)
    expect(perRow.wallUs).toBeCloseTo((run.seconds * 1e6) / 1000)
    expect(perRow.coresBusy).toBeGreaterThan(0)
    expect(perRow.coresBusy).toBeLessThanOrEqual(CORES + TICK / run.seconds)
    expect(run.cpu.faults?.service).toBeGreaterThanOrEqual(0)
  })

  it('counts the page faults of fresh memory touched during a run', () => {
    const watch = cpuStopwatch()
    const fresh = new Uint8Array(new ArrayBuffer(16 * 1024 * 1024))
    for (let i = 0; i < fresh.length; i += 4096) fresh[i] = 1
    const run = watch.stop()
    // 4,096 pages of 4 KB, each faulted in once (fewer where the kernel maps huge pages).
    expect(run.cpu.faults!.task).toBeGreaterThan(0)
    expect(cpuPerRow(run, 1000).faultsPer1000!.task).toBe(run.cpu.faults!.task)
  })

  it('names a busy process it was not told about among the others', async () => {
    const name = `tmcpu${randomBytes(4).toString('hex')}`
    const child = node(`process.title = ${JSON.stringify(name)}; process.stdout.write('ready\\n'); for (;;) {}`)
    expect(await line(child)).toBe('ready')
    const watch = cpuStopwatch()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const run = watch.stop()
    expect(run.cpu.others?.[name]).toBeGreaterThan(0)
    expect(run.cpu.others![name]!).toBeLessThanOrEqual(run.seconds * CORES + TICK)
    expect(run.cpu.service).toBeUndefined()
    expect(run.cpu.database).toBeUndefined()
  })

  it('counts processes of a group that start and exit during the run, through their parent', async () => {
    // A named parent that, when asked, runs two children of its name, each until it has used
    // 200 ms of CPU, and waits for both: at the end of the run only the parent is left.
    const name = `tmcpu${randomBytes(4).toString('hex')}`
    const parent = node(`
      process.title = ${JSON.stringify(name)}
      const { spawn } = require('node:child_process')
      const busy = 'process.title = ${JSON.stringify(name)}; while (process.cpuUsage().user < 200000) {}'
      process.stdout.write('ready\\n')
      process.stdin.once('data', async () => {
        const runs = [0, 1].map(() => new Promise((r) => spawn(process.execPath, ['-e', busy]).once('exit', r)))
        await Promise.all(runs)
        process.stdout.write('done\\n')
      })
    `)
    expect(await line(parent)).toBe('ready')
    expect(groupCpuSeconds([name])).toBeGreaterThanOrEqual(0)
    const watch = cpuStopwatch({ database: [name] })
    parent.stdin!.write('go\n')
    expect(await line(parent)).toBe('done')
    const run = watch.stop()
    expect(run.cpu.database!).toBeGreaterThanOrEqual(2 * 0.2 - TICK)
    expect(run.cpu.database!).toBeLessThanOrEqual(run.seconds * CORES + TICK)
  })
})

describe('cpuCeiling', () => {
  const perRow = (taskUs: number, serviceUs?: number, databaseUs?: number) => ({
    wallUs: 10,
    taskUs,
    ...(serviceUs === undefined ? {} : { serviceUs }),
    ...(databaseUs === undefined ? {} : { databaseUs }),
    coresBusy: 1,
    seconds: { task: 0 },
  })

  it('is the rows/s every core busy at the CPU a row of all three parties would give', () => {
    // 1 + 3 + 1 µs a row on 2 cores: 400,000 rows/s; one tenant alone at 250,000: 1.6×.
    expect(cpuCeiling(perRow(1, 3, 1), 2, 250_000)).toEqual({ rowsPerSecond: 400_000, vsOne: 1.6 })
    expect(cpuCeiling(perRow(1, 3, 1), 4)).toEqual({ rowsPerSecond: 800_000 })
  })

  it('counts a SQLite run, whose database is in the service, by the two parties it has', () => {
    expect(cpuCeiling(perRow(1, 4), 2)?.rowsPerSecond).toBe(400_000)
  })

  it('is undefined for a run whose CPU the clock did not see', () => {
    expect(cpuCeiling(perRow(0, 0, 0), 2, 100)).toBeUndefined()
  })
})
