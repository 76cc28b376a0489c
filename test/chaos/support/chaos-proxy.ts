import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A kill armed on one call: when the call arrives, `kill` runs after `delayMs`. */
export interface ArmedKill {
  readonly operation: string
  /** 1-based, counted from the moment the kill was armed. */
  readonly call: number
  readonly delayMs: number
  readonly kill: () => Promise<void>
}

/** What happened to a kill that fired. */
export interface FiredKill {
  readonly operation: string
  readonly call: number
  readonly delayMs: number
  /** Whether the service had answered the call before the process died. */
  readonly answered: boolean
}

export interface RecordedCall {
  readonly operation: string
  readonly body: string
}

interface Upstream {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: Buffer
}

/**
 * The wire between the Mirroring Task and the client service, where the chaos suites act: it
 * counts calls per operation, fires a kill (of the service or of the task) on a chosen call,
 * delivers every RowData twice (the second time re-signed, as a retrying sender would) and
 * records RowData bodies so that a test can replay an old one later.
 */
export class ChaosProxy {
  readonly #server: Server
  readonly #targets: readonly URL[]
  #next = 0
  readonly counts = new Map<string, number>()
  readonly fired: FiredKill[] = []
  readonly recorded: RecordedCall[] = []
  #armed: (ArmedKill & { at: number; done: (fired: FiredKill) => void; reached: boolean }) | undefined
  /** Re-signs a body for the second delivery; set to deliver every RowData twice. */
  duplicateRowData: ((body: string) => Promise<string>) | undefined
  duplicatesDelivered = 0
  record = false

  private constructor(server: Server, targets: readonly URL[]) {
    this.#server = server
    this.#targets = targets
  }

  /** Several targets: calls go to them in turn, as a load balancer without affinity would send them. */
  static async start(...targets: string[]): Promise<ChaosProxy> {
    let proxy: ChaosProxy | undefined
    const server = createServer((req, res) => {
      void proxy!.#handle(req, res)
    })
    proxy = new ChaosProxy(
      server,
      targets.map((t) => new URL(t)),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/MirroringClientService.svc`
  }

  /** Arms one kill; `reached` tells whether its call came, `fired` settles once the kill is done. */
  arm(kill: ArmedKill): { readonly fired: Promise<FiredKill>; reached(): boolean } {
    let done!: (fired: FiredKill) => void
    const fired = new Promise<FiredKill>((resolve) => {
      done = resolve
    })
    const armed = { ...kill, at: this.counts.get(kill.operation) ?? 0, done, reached: false }
    this.#armed = armed
    return { fired, reached: () => armed.reached }
  }

  disarm(): void {
    this.#armed = undefined
  }

  async #handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const operation = String(req.headers.soapaction ?? '')
      .replaceAll('"', '')
      .split('/')
      .at(-1)!
    const n = (this.counts.get(operation) ?? 0) + 1
    this.counts.set(operation, n)
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)

    let answered = false
    const armed = this.#armed
    if (armed && armed.operation === operation && n - armed.at === armed.call) {
      this.#armed = undefined
      armed.reached = true
      setTimeout(async () => {
        const fired = { operation, call: armed.call, delayMs: armed.delayMs, answered }
        await armed.kill()
        this.fired.push(fired)
        armed.done(fired)
      }, armed.delayMs)
    }
    if (this.record && operation === 'RowData') this.recorded.push({ operation, body: body.toString('utf8') })
    try {
      const first = await this.#forward(req.headers, body)
      if (operation === 'RowData' && this.duplicateRowData && first.status === 200) {
        await this.#forward(req.headers, Buffer.from(await this.duplicateRowData(body.toString('utf8'))))
        this.duplicatesDelivered++
      }
      res.writeHead(first.status, first.headers)
      res.end(first.body)
      answered = true
    } catch {
      res.destroy()
    }
  }

  #forward(incoming: import('node:http').IncomingHttpHeaders, body: Buffer): Promise<Upstream> {
    const { 'transfer-encoding': _chunked, host: _host, ...headers } = incoming
    const target = this.#targets[this.#next++ % this.#targets.length]!
    return new Promise((resolve, reject) => {
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length) },
        },
        (answer) => {
          const parts: Buffer[] = []
          answer.on('data', (c: Buffer) => parts.push(c))
          answer.on('end', () =>
            resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) }),
          )
          answer.on('error', reject)
        },
      )
      forward.on('error', reject)
      forward.end(body)
    })
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
