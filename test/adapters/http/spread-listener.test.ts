import { Agent, createServer, request, type Server, type ServerResponse } from 'node:http'
import { connect, createServer as createNetServer, type Socket } from 'node:net'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { listenSpread, type SpreadListening } from '../../../src/adapters/http/spread-listener.ts'

const open: { server: Server; listening: SpreadListening }[] = []

async function listen(sockets: number, port = 0) {
  const server = createServer((_, res) => res.end('ok'))
  const listening = await listenSpread(server, port, '127.0.0.1', sockets)
  open.push({ server, listening })
  return { server, listening }
}

afterEach(async () => {
  for (const { server, listening } of open.splice(0)) {
    const others = listening.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await others
  }
})

/** Connections the server accepted in each turn of the event loop while `count` clients waited. */
async function acceptedPerTurn(sockets: number, count: number): Promise<number[]> {
  const { server, listening } = await listen(sockets)
  let accepted = 0
  server.on('connection', () => accepted++)
  const clients: Socket[] = Array.from({ length: count }, () => connect(listening.port, '127.0.0.1'))
  try {
    // The connects go out on the next tick; the loop is then held while the kernel completes them.
    await new Promise((resolve) => process.nextTick(resolve))
    const until = performance.now() + 100
    while (performance.now() < until);
    const turns: number[] = []
    let before = accepted
    for (let turn = 0; turn < 4 * count && accepted < count; turn++) {
      await nextTurn()
      turns.push(accepted - before)
      before = accepted
    }
    return turns
  } finally {
    for (const client of clients) client.destroy()
  }
}

const get = (port: number) => fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })

describe('the service listens on several sockets of one port (SO_REUSEPORT)', () => {
  it.runIf(process.platform === 'linux')(
    'accepts several waiting connections a turn where one socket accepts one (libuv#3696)',
    async () => {
      const single = await acceptedPerTurn(1, 24)
      const spread = await acceptedPerTurn(8, 24)
      expect(Math.max(...single)).toBe(1)
      expect(single.reduce((n, a) => n + a, 0)).toBe(24)
      // 24 connections hashed over 8 sockets reach all but a few of them.
      expect(Math.max(...spread)).toBeGreaterThanOrEqual(4)
      expect(spread.reduce((n, a) => n + a, 0)).toBe(24)
    },
  )

  it('answers on every connection, refuses a port in use, and stops every socket on close', async () => {
    const { server, listening } = await listen(8)
    const replies = await Promise.all(Array.from({ length: 32 }, () => get(listening.port).then((r) => r.text())))
    expect(replies).toEqual(Array.from({ length: 32 }, () => 'ok'))

    // Another spread listener, or any server, on the same port: refused, as one socket would be.
    await expect(listenSpread(createServer(), listening.port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/)
    const plain = createNetServer()
    await expect(
      new Promise((resolve, reject) =>
        plain.once('error', reject).listen(listening.port, '127.0.0.1', () => resolve(0)),
      ),
    ).rejects.toThrow(/EADDRINUSE/)

    await Promise.all([listening.close(), new Promise((resolve) => server.close(resolve))])
    await expect(get(listening.port)).rejects.toThrow()
    // The port is free again for anyone.
    const again = await listen(8, listening.port)
    expect(again.listening.port).toBe(listening.port)
    expect(await (await get(listening.port)).text()).toBe('ok')
  })

  it('closes: no socket accepts any more, and the HTTP server ends the kept-alive connections of all of them', async () => {
    const server = createServer((_, res) => res.end('ok'))
    const listening = await listenSpread(server, 0, '127.0.0.1', 8)
    const agent = new Agent({ keepAlive: true })
    const once = () =>
      new Promise<string>((resolve, reject) =>
        request({ port: listening.port, host: '127.0.0.1', agent }, (res) => {
          let text = ''
          res.on('data', (chunk) => {
            text += chunk
          })
          res.on('end', () => resolve(text))
        })
          .on('error', reject)
          .end(),
      )
    expect(await Promise.all(Array.from({ length: 16 }, once))).toEqual(Array.from({ length: 16 }, () => 'ok'))
    const kept = Object.values(agent.freeSockets).flat()
    expect(kept.length).toBe(16)
    const ended = Promise.all(kept.map((socket) => new Promise((resolve) => socket!.once('close', resolve))))

    const others = listening.close()
    await new Promise((resolve) => {
      server.close(resolve)
      server.closeIdleConnections()
    })
    await others
    await ended
    await expect(get(listening.port)).rejects.toThrow()
    agent.destroy()
  })

  it('resolves close only once the calls in flight on every socket are answered', async () => {
    const held: ServerResponse[] = []
    let arrived: () => void
    const allArrived = new Promise<void>((resolve) => {
      arrived = resolve
    })
    const server = createServer((_, res) => {
      held.push(res)
      if (held.length === 16) arrived()
    })
    const listening = await listenSpread(server, 0, '127.0.0.1', 8)
    const replies = Array.from({ length: 16 }, () => get(listening.port).then((r) => r.text()))
    await allArrived

    // The other sockets' connections are waited for apart from the server's own.
    let othersEnded = false
    const others = listening.close().then(() => {
      othersEnded = true
    })
    const own = new Promise((resolve) => server.close(resolve))
    const both = Promise.all([others, own])
    await nextTurn()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(othersEnded).toBe(false)
    for (const res of held) res.end('late')
    await both
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 16 }, () => 'late'))
  })

  it('refuses a port another process holds without SO_REUSEPORT, and leaves nothing bound', async () => {
    const holder = createNetServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const port = (holder.address() as { port: number }).port
    try {
      await expect(listenSpread(createServer(), port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
    const { listening } = await listen(8, port)
    expect(await (await get(listening.port)).text()).toBe('ok')
  })
})
