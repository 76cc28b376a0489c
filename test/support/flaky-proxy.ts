import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * An HTTP proxy in front of a service that cuts the connection of chosen calls once the service
 * has answered them, as a network or a crashing load balancer would: the call is applied, its
 * reply lost. Sent again, the same token is refused as a replay, so the task's cycle fails there.
 * (A cut before the service sees a call would not do: on a kept-alive connection the task takes
 * it for a connection closed as idle and sends the call again.) Calls are counted per SOAP
 * operation (from SOAPAction), so a test can cut "the 3rd RowData".
 */
export class FlakyProxy {
  readonly #server: Server
  readonly counts = new Map<string, number>()
  /** Operation → call numbers (1-based) whose connection is cut when the service's answer comes. */
  readonly dropped = new Map<string, Set<number>>()

  private constructor(server: Server) {
    this.#server = server
  }

  static async start(target: string): Promise<FlakyProxy> {
    const upstream = new URL(target)
    let proxy: FlakyProxy | undefined
    const server = createServer((req, res) => {
      const action = String(req.headers.soapaction ?? '')
        .replaceAll('"', '')
        .split('/')
        .at(-1)!
      const n = (proxy!.counts.get(action) ?? 0) + 1
      proxy!.counts.set(action, n)
      const forward = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          if (proxy!.dropped.get(action)?.has(n)) {
            answer.resume()
            req.socket.destroy()
            return
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      forward.on('error', () => res.destroy())
      req.pipe(forward)
    })
    proxy = new FlakyProxy(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/MirroringClientService.svc`
  }

  dropAnswer(operation: string, call: number): void {
    const calls = this.dropped.get(operation) ?? new Set()
    calls.add((this.counts.get(operation) ?? 0) + call)
    this.dropped.set(operation, calls)
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
