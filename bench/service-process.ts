import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * The service as an installed package runs it: the compiled dist/ (run.ts builds it first), not
 * the TypeScript sources through Node's type stripping, which adds ~30 MB of RSS and start-up.
 */
const MAIN = process.env.TM_BENCH_SERVICE_MAIN ?? new URL('../dist/adapters/cli/main.js', import.meta.url).pathname

export interface ServiceProcess {
  readonly url: string
  /** The service's own time per operation so far, from its /metrics: seconds and calls. */
  callSeconds(): Promise<Map<string, { seconds: number; calls: number }>>
  /** One unlabelled value of its /metrics (`tenant_mirror_inflight_bytes_peak`), undefined when absent. */
  metric(name: string): Promise<number | undefined>
  /** Seconds written RowData calls spent in each phase so far (tenant_mirror_rowdata_phase_seconds_total). */
  phaseSeconds(): Promise<Phases>
  readonly pid: number
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
// A benchmark that fails must not leave a service behind holding its port and its terminal.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface Phases {
  readonly parse: number
  readonly decode: number
  readonly write: number
  /** Rows the service's XML scanner read tag by tag (tenant_mirror_rowdata_rows_scanned_total). */
  readonly scanned: number
}

/** The client service as its own process, so that its memory is measured apart from the task's. */
export async function startServiceProcess(options: {
  database: string
  databaseName?: string
  privateKey: string
  federatedCert: string
  /** More `serve` options, such as `--tenant-layout schema`. */
  args?: readonly string[]
}): Promise<ServiceProcess> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // `--profile <dir>` of the benchmark: a V8 CPU profile of each service process.
      ...(process.env.TM_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.TM_BENCH_PROFILE] : []),
      // As bin/tenant-mirror.js's shebang runs it; TM_BENCH_SERVICE_FLAGS to try other V8 settings.
      ...(
        process.env.TM_BENCH_SERVICE_FLAGS ??
        '--max-semi-space-size=8 --max-old-space-size=512 --initial-old-space-size=64'
      )
        .split(' ')
        .filter(Boolean),
      MAIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--database',
      options.database,
      ...(options.databaseName ? ['--database-name', options.databaseName] : []),
      '--client-id',
      'bench',
      '--private-key',
      options.privateKey,
      '--federated-cert',
      options.federatedCert,
      '--log-level',
      'error',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  running.add(child)
  child.once('exit', () => running.delete(child))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break
    } catch {
      if (i > 200) throw new Error('the service did not start')
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    url: `${base}/MirroringClientService.svc`,
    async callSeconds() {
      const text = await (await fetch(`${base}/metrics`)).text()
      const out = new Map<string, { seconds: number; calls: number }>()
      for (const m of text.matchAll(/^tenant_mirror_call_seconds_(sum|count)\{operation="(\w+)"\} (\S+)$/gm)) {
        const entry = out.get(m[2]!) ?? { seconds: 0, calls: 0 }
        if (m[1] === 'sum') entry.seconds = Number(m[3])
        else entry.calls = Number(m[3])
        out.set(m[2]!, entry)
      }
      return out
    },
    async phaseSeconds() {
      const text = await (await fetch(`${base}/metrics`)).text()
      const phase = (name: string) =>
        Number(
          new RegExp(`^tenant_mirror_rowdata_phase_seconds_total\\{phase="${name}"\\} (\\S+)$`, 'm').exec(text)?.[1] ??
            0,
        )
      const scanned = Number(/^tenant_mirror_rowdata_rows_scanned_total (\S+)$/m.exec(text)?.[1] ?? 0)
      return { parse: phase('parse'), decode: phase('decode'), write: phase('write'), scanned }
    },
    async metric(name) {
      const text = await (await fetch(`${base}/metrics`)).text()
      const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]
      return value === undefined ? undefined : Number(value)
    },
    pid: child.pid!,
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
