import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { BIN, BIN_NODE_FLAGS } from '../../support/bin-node-flags.ts'

const running = new Set<ChildProcess>()
// A failing suite must not leave services behind holding ports and databases.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface ServiceChildOptions {
  /** `serve` flags besides --host/--port (database, keys, client id, limits...). */
  readonly args: readonly string[]
  /** Keeps one port across restarts, so that a registered mirroring URL stays valid. */
  readonly port?: number
  /** Starts the process under this umask (octal text, e.g. '000'), through a shell that execs node. */
  readonly umask?: string
  /** Working directory of the process, where relative defaults such as ./data land. */
  readonly cwd?: string
}

/**
 * The client service as its own process (`tenant-mirror serve`), which a test may kill with
 * SIGKILL at any moment and start again on the same port.
 */
export class ServiceChild {
  readonly port: number
  readonly #args: readonly string[]
  readonly #umask: string | undefined
  readonly #cwd: string | undefined
  #child: ChildProcess | undefined
  #stderr = ''
  /** Times the process was started. */
  starts = 0

  private constructor(port: number, options: ServiceChildOptions) {
    this.port = port
    this.#args = options.args
    this.#umask = options.umask
    this.#cwd = options.cwd
  }

  static async start(options: ServiceChildOptions): Promise<ServiceChild> {
    const child = new ServiceChild(options.port ?? (await freePort()), options)
    await child.restart()
    return child
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get url(): string {
    return `${this.base}/MirroringClientService.svc`
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** Whether the process is running (it has not exited). */
  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** What the process wrote to stderr, for a failing test's message. */
  get stderr(): string {
    return this.#stderr
  }

  async restart(): Promise<void> {
    if (this.alive) await this.kill()
    const args = [...BIN_NODE_FLAGS, BIN, 'serve', '--host', '127.0.0.1', '--port', String(this.port), ...this.#args]
    const how: SpawnOptions = { stdio: ['ignore', 'ignore', 'pipe'], ...(this.#cwd ? { cwd: this.#cwd } : {}) }
    const child =
      this.#umask === undefined
        ? spawn(process.execPath, args, how)
        : spawn('sh', ['-c', `umask ${this.#umask}; exec "$0" "$@"`, process.execPath, ...args], how)
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-20_000)
    })
    running.add(child)
    child.once('exit', () => running.delete(child))
    this.#child = child
    this.starts++
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}: ${this.#stderr}`)
      try {
        if ((await fetch(`${this.base}/healthz`)).ok) return
      } catch {
        // not listening yet
      }
      if (i > 400) throw new Error(`the service did not start: ${this.#stderr}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** SIGKILL: no shutdown hook runs, transactions in flight are cut. */
  async kill(): Promise<void> {
    const child = this.#child
    if (!child || !this.alive) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  async stop(): Promise<void> {
    const child = this.#child
    if (!child || !this.alive) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}
