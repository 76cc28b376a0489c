import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy that holds every chunk `rttMs / 2` each way, so that a run on one machine sees
 * the round trips of a service across a network (the partner's service is usually across the
 * internet from SuperOffice's task), or of a mirror database on another machine. Returns the URL
 * to call instead of `url` (its scheme, credentials and path kept), and its server.
 */
export async function delayProxy(url: string, rttMs: number): Promise<{ url: string; server: Server }> {
  const target = new URL(url)
  const half = rttMs / 2
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname)
    // Each chunk is written as it was read, a round trip later: Nagle's algorithm would hold a
    // small one behind an unacknowledged one (a server's second answer to one message) for the
    // peer's delayed ACK, tens of milliseconds no network adds.
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    const relay = (from: Socket, to: Socket) => {
      // Chunks keep their order: each is held the same time, and timers of one delay fire in order.
      from.on('data', (chunk) => setTimeout(() => to.write(chunk), half))
      from.on('end', () => setTimeout(() => to.end(), half))
      from.on('error', () => to.destroy())
      // Ended, not destroyed, once the chunks held before it have been written: destroy drops them.
      from.on('close', () => setTimeout(() => to.end(), half))
    }
    relay(client, upstream)
    relay(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const proxied = new URL(url)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(port)
  return { url: proxied.toString(), server }
}
