import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ManagedProcess } from './processes.ts'

/**
 * HAProxy (Debian's package) on loopback, round-robin over the given servers, each checked on
 * /readyz: the load balancer of a partner that runs several service replicas.
 */
export async function startHaproxy(dir: string, port: number, servers: readonly number[]): Promise<ManagedProcess> {
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 1024',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 120s',
      '  timeout server 120s',
      // A call that could not reach a replica goes to the next: a connection refused sends nothing.
      '  retries 2',
      '  option redispatch',
      'frontend mirror',
      `  bind 127.0.0.1:${port}`,
      '  default_backend replicas',
      'backend replicas',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      '  http-check expect status 200',
      '  default-server inter 500ms fall 2 rise 1',
      ...servers.map((p, i) => `  server r${i + 1} 127.0.0.1:${p} check`),
      '',
    ].join('\n'),
  )
  const haproxy = new ManagedProcess('haproxy', ['-db', '-f', config], { command: 'haproxy' }).start()
  for (let i = 0; ; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`)
      return haproxy
    } catch {
      if (i > 100) throw new Error(`haproxy did not start: ${haproxy.errors}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
