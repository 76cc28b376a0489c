import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { createMirroringService } from 'tenant-mirror'
import { createApp, MIRROR_PATH } from './app.ts'

// The partner application's private key, which signs Authenticate's answer. A throwaway one
// when PRIVATE_KEY_FILE names none (`tenant-mirror keys generate` makes a real pair).
let scratch: string | undefined
function throwawayKey(): string {
  scratch = mkdtempSync(join(tmpdir(), 'hono-mount-'))
  const file = join(scratch, 'private.pem')
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  return file
}

// The dashboard's token (16 characters or more): ADMIN_TOKEN, or a throwaway one shown below.
const adminToken = process.env.ADMIN_TOKEN ?? randomBytes(24).toString('base64url')

// The four required options, the dashboard's token and a quieter log; every other one takes the
// CLI's default.
const service = createMirroringService({
  clientId: process.env.CLIENT_ID ?? 'my-partner-app',
  privateKeyFile: process.env.PRIVATE_KEY_FILE ?? throwawayKey(),
  federated: { kind: 'environment', environment: 'development' },
  database: process.env.MIRROR_DATABASE ?? 'memory:',
  adminToken,
  logLevel: 'warn',
})
await service.ready()

const app = createApp(service)
const host = process.env.HOST ?? '127.0.0.1'
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: host }) as Server
server.on('listening', () => {
  const { port } = server.address() as AddressInfo
  console.log(`listening on http://${host}:${port} (the mirror under ${MIRROR_PATH})`)
  // The dashboard is under the prefix too; a browser logs in once with ?token=.
  const login = process.env.ADMIN_TOKEN ? '?token=<ADMIN_TOKEN>' : `?token=${adminToken}`
  console.log(`dashboard at http://${host}:${port}${MIRROR_PATH}/admin${login}`)
})

async function shutdown(signal: string) {
  console.log(`${signal}: closing`)
  service.metrics.ready = false // /mirror/readyz answers 503 while calls in flight finish
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
  await service.close()
  if (scratch) rmSync(scratch, { recursive: true, force: true })
  console.log('closed')
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
