import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/**
 * CPU time from Linux's /proc, for the benchmark's "where the CPU goes": the bench process (the
 * task), the service child process and the database server's processes, each as CPU seconds
 * (user + system) consumed between two samples.
 */

/** Clock ticks per second of /proc/<pid>/stat's times: `getconf CLK_TCK`, 100 where that fails (Linux's USER_HZ). */
export const CLOCK_TICKS: number = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
})()

export interface ProcStat {
  readonly pid: number
  readonly comm: string
  readonly ppid: number
  /** User and system time of the process itself (all its threads), in ticks. */
  readonly utime: number
  readonly stime: number
  /** User and system time of its children that have exited and been waited for, in ticks. */
  readonly cutime: number
  readonly cstime: number
  /** When the process started, in ticks since boot. */
  readonly starttime: number
  /** Minor page faults of the process itself: pages touched for the first time, fresh memory. */
  readonly minflt: number
}

/**
 * One /proc/<pid>/stat line. The command name is in parentheses and may itself hold spaces and
 * parentheses, so the fields after it are counted from the last `)` (proc(5): ppid is field 4,
 * minflt 10, utime 14, stime 15, cutime 16, cstime 17, starttime 22).
 */
export function parseStat(line: string): ProcStat {
  const open = line.indexOf('(')
  const close = line.lastIndexOf(')')
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${line.slice(0, 80)}`)
  const rest = line
    .slice(close + 2)
    .trim()
    .split(' ')
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const field = (n: number) => Number(rest[n - 3])
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    ppid: field(4),
    minflt: field(10),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    starttime: field(22),
  }
}

/** The process's stat, or undefined when it has gone (or /proc is not there). */
export function readStat(pid: number | 'self'): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined
  }
}

/** Every process on the machine now (those this user may read: all of them as root). */
export function allProcesses(): ProcStat[] {
  const out: ProcStat[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return out
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(Number(entry))
    if (stat) out.push(stat)
  }
  return out
}

/** Every process whose command name (/proc/<pid>/comm, 15 characters at most) is one of `comms`. */
export function processesNamed(comms: readonly string[]): ProcStat[] {
  const wanted = new Set(comms)
  return allProcesses().filter((p) => wanted.has(p.comm))
}

/** User + system ticks of a process so far, its reaped children included. */
const ticksOf = (p: ProcStat) => p.utime + p.stime + p.cutime + p.cstime

/**
 * The processes that used the most CPU between two samples of all of them, by command name, in
 * seconds: 0.05 s or more, most first. Each process counts by its own time only, from the first
 * sample or from its start, so that a shell reaping a long-lived child does not count that
 * child's life; one that exited in between is left out. Kernel workers rename themselves after
 * the work they do (`kworker/1:2-events`) and count as `kworker`.
 */
export function busiestProcesses(
  before: readonly ProcStat[],
  after: readonly ProcStat[],
  except: (p: ProcStat) => boolean = () => false,
): Record<string, number> {
  const own = (p: ProcStat) => p.utime + p.stime
  const was = new Map(before.map((p) => [`${p.pid}@${p.starttime}`, own(p)]))
  const byName = new Map<string, number>()
  for (const p of after) {
    if (except(p)) continue
    const name = p.comm.startsWith('kworker/') ? 'kworker' : p.comm
    byName.set(name, (byName.get(name) ?? 0) + own(p) - (was.get(`${p.pid}@${p.starttime}`) ?? 0))
  }
  return Object.fromEntries(
    [...byName]
      .map(([name, ticks]) => [name, ticks / CLOCK_TICKS] as const)
      .filter(([, seconds]) => seconds >= 0.05)
      .sort((a, b) => b[1] - a[1]),
  )
}

/**
 * User + system seconds so far of a group of processes that come and go (PostgreSQL's
 * backends: one per connection, forked by the postmaster and reaped by it): each process's own
 * time plus that of its reaped children.
 *
 * The difference of two such sums is the group's CPU between them: a process that started in
 * between counts by its whole time, and one that exited in between has its whole time moved
 * into its parent's cutime/cstime when the parent waits for it (the kernel does that), so with
 * its share at the first sample subtracted it counts by what it used in between. The
 * approximation: a process of the group whose parent is not of the group (the postmaster
 * itself, or a server started anew) is lost, or counted short, when it exits in between; and
 * everything the group does counts, whoever it does it for.
 */
export function groupCpuSeconds(comms: readonly string[], processes = processesNamed(comms)): number {
  const wanted = new Set(comms)
  let ticks = 0
  for (const p of processes) if (wanted.has(p.comm)) ticks += ticksOf(p)
  return ticks / CLOCK_TICKS
}

/** Busy seconds of the whole machine, all cores, from /proc/stat (everything but idle and iowait). */
export function machineBusySeconds(): number | undefined {
  let text: string
  try {
    text = readFileSync('/proc/stat', 'utf8')
  } catch {
    return undefined
  }
  const cpu = /^cpu\s+(.*)$/m.exec(text)?.[1]?.split(/\s+/).map(Number)
  if (!cpu) return undefined
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
}

/** Whose CPU a run accounts for, besides the bench process's own. */
export interface CpuSources {
  /** The service child process. */
  readonly servicePid?: number
  /** The database server's command names: `postgres`, `mariadbd`. None when the database runs inside the service or the bench (SQLite). */
  readonly database?: readonly string[]
}

/** CPU seconds (user + system) consumed during a run. */
export interface CpuSeconds {
  /** The bench process (the task; the HTTP poster of apply only; the loader of a raw load), and children it waited for (pgloader). */
  readonly task: number
  readonly service?: number
  readonly database?: number
  /** The whole machine, all processes: what is not task, service or database is everyone else's. */
  readonly machine?: number
  /** The other processes that used the most CPU meanwhile, by command name, in seconds (0.05 s or more). */
  readonly others?: Readonly<Record<string, number>>
  /**
   * Minor page faults of the bench process and of the service: first touches of fresh memory,
   * which cost about 10 µs each on the VMs measured (docs/performance.md, sixth session).
   */
  readonly faults?: { readonly task: number; readonly service?: number }
}

export interface CpuRun {
  readonly seconds: number
  readonly cpu: CpuSeconds
}

/** The database server processes of a mirror target. */
export function databaseProcesses(target: string): readonly string[] | undefined {
  if (target === 'postgres') return ['postgres']
  if (target === 'mysql') return ['mariadbd', 'mysqld']
  return undefined
}

/**
 * Starts a run's clock and CPU counters: `stop()` returns its wall seconds and the CPU each
 * party used. The samples are taken outside the timed span, so that reading /proc is not timed.
 */
export function cpuStopwatch(sources: CpuSources = {}): { stop(): CpuRun } {
  const database = new Set(sources.database ?? [])
  const accounted = (p: ProcStat) => p.pid === process.pid || p.pid === sources.servicePid || database.has(p.comm)
  const sample = () => {
    const processes = allProcesses()
    const service = sources.servicePid === undefined ? undefined : readStat(sources.servicePid)
    return {
      service: service && ticksOf(service) / CLOCK_TICKS,
      serviceFaults: service?.minflt,
      taskFaults: process.resourceUsage().minorPageFault,
      database: sources.database ? groupCpuSeconds(sources.database, processes) : undefined,
      machine: machineBusySeconds(),
      children: readStat('self'),
      processes,
    }
  }
  const before = sample()
  const usage = process.cpuUsage()
  const started = performance.now()
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000
      const used = process.cpuUsage(usage)
      const after = sample()
      const reaped = (s: ProcStat | undefined) => (s ? (s.cutime + s.cstime) / CLOCK_TICKS : 0)
      const delta = (a: number | undefined, b: number | undefined) =>
        a === undefined || b === undefined ? undefined : Math.max(0, b - a)
      const cpu: CpuSeconds = {
        task: (used.user + used.system) / 1e6 + reaped(after.children) - reaped(before.children),
        ...(sources.servicePid === undefined ? {} : { service: delta(before.service, after.service) ?? 0 }),
        ...(sources.database ? { database: delta(before.database, after.database) ?? 0 } : {}),
        ...(before.machine === undefined ? {} : { machine: delta(before.machine, after.machine) }),
        others: busiestProcesses(before.processes, after.processes, accounted),
        faults: {
          task: after.taskFaults - before.taskFaults,
          ...(sources.servicePid === undefined
            ? {}
            : { service: delta(before.serviceFaults, after.serviceFaults) ?? 0 }),
        },
      }
      return { seconds, cpu }
    },
  }
}

export const CORES = availableParallelism()

/** A run's CPU per row: microseconds of wall clock and of each party's CPU, and the cores kept busy. */
export interface CpuPerRow {
  readonly wallUs: number
  readonly taskUs: number
  readonly serviceUs?: number
  readonly databaseUs?: number
  /** CPU of the rest of the machine during the run (other processes, the kernel's interrupts). */
  readonly otherUs?: number
  /** (task + service + database) CPU / wall: at most the machine's cores. */
  readonly coresBusy: number
  /** Minor page faults per 1,000 rows of the bench process and of the service. */
  readonly faultsPer1000?: { readonly task: number; readonly service?: number }
  readonly seconds: CpuSeconds
}

/** The most rows/s `cores` allow at a run's CPU a row, and that against `alone` rows/s (one tenant's). */
export interface CpuCeiling {
  readonly rowsPerSecond: number
  readonly vsOne?: number
}

/**
 * Rows/s if every core were busy at the run's CPU a row (the task's, the service's, the
 * database's): a run cannot go faster without spending less CPU a row, however its work is spread
 * over processes and threads. Undefined when the run spent no CPU the clock could see.
 */
export function cpuCeiling(perRow: CpuPerRow, cores: number, alone?: number): CpuCeiling | undefined {
  const used = perRow.taskUs + (perRow.serviceUs ?? 0) + (perRow.databaseUs ?? 0)
  if (!(used > 0)) return undefined
  const rowsPerSecond = (cores * 1e6) / used
  return { rowsPerSecond, ...(alone ? { vsOne: rowsPerSecond / alone } : {}) }
}

export function cpuPerRow(run: CpuRun, rows: number): CpuPerRow {
  const us = (s: number) => (s * 1e6) / rows
  const { task, service, database, machine } = run.cpu
  const accounted = task + (service ?? 0) + (database ?? 0)
  return {
    wallUs: us(run.seconds),
    taskUs: us(task),
    ...(service === undefined ? {} : { serviceUs: us(service) }),
    ...(database === undefined ? {} : { databaseUs: us(database) }),
    ...(machine === undefined ? {} : { otherUs: us(Math.max(0, machine - accounted)) }),
    coresBusy: accounted / run.seconds,
    ...(run.cpu.faults
      ? {
          faultsPer1000: {
            task: (run.cpu.faults.task * 1000) / rows,
            ...(run.cpu.faults.service === undefined ? {} : { service: (run.cpu.faults.service * 1000) / rows }),
          },
        }
      : {}),
    seconds: run.cpu,
  }
}
