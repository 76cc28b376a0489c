import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy that holds every chunk `rttMs / 2` each way, so that a run on one machine sees
 * the round trips of a service across a network (the partner's service is usually across the
 * internet from SuperOffice's task). Returns the URL to call instead of `url`, and its server.
 */
export async function delayProxy(url: string, rttMs: number): Promise<{ url: string; server: Server }> {
  const target = new URL(url)
  const half = rttMs / 2
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname)
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
  return { url: `http://127.0.0.1:${port}${target.pathname}`, server }
}
