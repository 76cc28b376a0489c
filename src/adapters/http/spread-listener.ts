import type { Server as HttpServer } from 'node:http'
import { type AddressInfo, createServer, type ListenOptions, type Server } from 'node:net'

/**
 * Listening sockets of one port. Since libuv 1.45 a Node server accepts one connection a turn of
 * its event loop (libuv#3696), and a loaded service's turn lasts tens of milliseconds: with 50
 * tenants loading, the 46 whose tasks connected at once waited up to 2 s to be accepted while the
 * 4 already connected were served call after call (the many-tenants benchmark's p99). Each socket
 * of a SO_REUSEPORT group accepts one a turn, and the kernel spreads new connections over them.
 */
export const ACCEPT_SOCKETS = 8

/** Where the server listens, and how to stop the sockets it was given besides its own. */
export interface SpreadListening {
  readonly port: number
  /**
   * Stops the other sockets accepting at once; resolves when every connection they accepted has
   * ended. Those connections are the HTTP server's (its `closeIdleConnections()` ends the idle
   * ones), but its own `close()` waits only for those its socket accepted, so a shutdown waits
   * for both: a call in flight on any connection is answered before the process exits.
   */
  close(): Promise<void>
}

/**
 * Makes `server` listen on `port` (0: one the system picks) with `sockets` sockets, each handing
 * what it accepts to the server as its own connection. Only on Linux, where SO_REUSEPORT spreads
 * connections; elsewhere one socket. SO_REUSEPORT would let a second process of this user share a
 * port already in use, so the port is first bound alone: a port someone holds is refused as ever.
 */
export async function listenSpread(
  server: HttpServer,
  port: number,
  host: string,
  sockets = ACCEPT_SOCKETS,
): Promise<SpreadListening> {
  if (sockets <= 1 || process.platform !== 'linux') {
    await bind(server, { port, host })
    return { port: portOf(server), close: async () => undefined }
  }
  const probe = createServer()
  await bind(probe, { port, host })
  const chosen = portOf(probe)
  await closed(probe)
  await bind(server, { port: chosen, host, reusePort: true })
  const others: Server[] = []
  const close = () => Promise.all(others.map(closed)).then(() => undefined)
  try {
    for (let i = 1; i < sockets; i++) {
      // As the HTTP server's own socket would: no Nagle delay on a reply's last segment.
      const other = createServer({ noDelay: true }, (socket) => server.emit('connection', socket))
      others.push(other)
      await bind(other, { port: chosen, host, reusePort: true })
      other.on('error', (error) => server.emit('error', error))
    }
  } catch (error) {
    await Promise.all([close(), closed(server)])
    throw error
  }
  return { port: chosen, close }
}

function bind(server: Server, options: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error)
    server.once('error', failed)
    server.listen(options, () => {
      server.off('error', failed)
      resolve()
    })
  })
}

/** Stops accepting at once; resolves once every connection the server accepted has ended. */
function closed(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port
}
