import { type ChildProcess, spawn } from 'node:child_process'
import { BIN, BIN_NODE_FLAGS } from './bin-node-flags.ts'

const running = new Set<ChildProcess>()
// A failing suite must not leave processes behind holding ports and databases.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * A long-running `tenant-mirror` command (or another program) as its own process, with its
 * output kept: a test reads its JSON log lines, kills it with SIGKILL at any moment, starts it
 * again, or stops it with SIGTERM and checks that it drained.
 */
export class ManagedProcess {
  readonly name: string
  readonly #command: string
  readonly #args: readonly string[]
  readonly #env: NodeJS.ProcessEnv
  #child: ChildProcess | undefined
  /** Everything the process wrote to stdout over all its runs. */
  output = ''
  errors = ''
  kills = 0

  constructor(name: string, args: readonly string[], options: { command?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.name = name
    this.#command = options.command ?? process.execPath
    this.#args = options.command ? args : [...BIN_NODE_FLAGS, BIN, ...args]
    this.#env = { ...process.env, ...options.env }
  }

  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  start(): this {
    const child = spawn(this.#command, this.#args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.#env })
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      this.errors = (this.errors + chunk.toString()).slice(-20_000)
    })
    running.add(child)
    child.once('exit', () => running.delete(child))
    this.#child = child
    return this
  }

  /** SIGKILL: nothing is finished, nothing closed. */
  async kill(): Promise<void> {
    const child = this.#child
    if (!child || !this.alive) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.kills++
  }

  /** SIGTERM, and the exit code it ended with. */
  async stop(): Promise<number | null> {
    const child = this.#child
    if (!child) return null
    if (!this.alive) return child.exitCode
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    return exited
  }

  /** The JSON lines of its log (pino), the others left out. */
  logLines(): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>
        } catch {
          return {}
        }
      })
  }

  /** Resolves once the output holds `text`. */
  async waitFor(text: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms
    while (!this.output.includes(text)) {
      if (!this.alive && this.#child?.exitCode !== null) {
        throw new Error(`${this.name} exited (${this.#child?.exitCode}) before printing '${text}': ${this.errors}`)
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not print '${text}': ${this.errors}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}
