import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP relay in front of a database server that a test can cut and restore: cut closes every
 * relayed connection and stops listening (the server looks gone: connections are refused);
 * restore listens again on the same port.
 */
export class TcpProxy {
  readonly port: number
  readonly #target: { host: string; port: number }
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined

  private constructor(port: number, target: { host: string; port: number }) {
    this.port = port
    this.#target = target
  }

  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    const proxy = new TcpProxy((server.address() as { port: number }).port, target)
    proxy.#serve(server)
    return proxy
  }

  #serve(server: Server): void {
    this.#server = server
    server.on('connection', (client) => {
      const upstream = connect(this.#target.port, this.#target.host)
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('close', () => this.#sockets.delete(socket))
        socket.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
  }

  async cut(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async restore(): Promise<void> {
    if (this.#server) return
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.#serve(server)
  }

  close(): Promise<void> {
    return this.cut()
  }
}
