import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { Command, Option } from 'commander'
import { DEFAULTS, parseServiceConfig, type ServiceConfig } from '../bootstrap/config.ts'
import { createMirroringService, type MirroringService } from '../bootstrap/container.ts'
import { VERSION } from '../bootstrap/version.ts'
import { listenSpread, type SpreadListening } from '../http/spread-listener.ts'
import { describeLocation } from '../sql/database-location.ts'
import { fail } from './fail.ts'
import { heapShortfall } from './heap-room.ts'
import { checkServiceFiles, loadOptionFile } from './option-files.ts'
import { addServiceOptions, rawServiceOptions } from './service-options.ts'
import { USAGE_ERROR_EXIT } from './usage-errors.ts'

/**
 * The state store opens and the mirror server answers, or, after `--wait-for-database`
 * seconds of trying once a second, the one line that says which does not.
 */
async function waitForDatabases(service: MirroringService, config: ServiceConfig): Promise<string | undefined> {
  const deadline = Date.now() + config.waitForDatabaseMs
  for (let attempt = 1; ; attempt++) {
    let problem: string | undefined
    try {
      await service.ready()
    } catch (error) {
      problem = `cannot open the state store (--state ${redactUrl(config.state)}): ${firstLine(error)}`
    }
    if (!problem) {
      try {
        await service.mirrors.probe?.()
        return undefined
      } catch (error) {
        problem = `cannot reach the mirror database ${describeLocation(config.database)}: ${firstLine(error)}`
      }
    }
    if (Date.now() + 1000 > deadline) return problem
    if (attempt === 1) service.logger.warn({ problem }, 'waiting for the databases (--wait-for-database)')
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!
const redactUrl = (url: string) => url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')

/** A secret mounted as a file (compose, Kubernetes) instead of a variable every child process inherits. */
function adminTokenFromFile(options: Record<string, unknown>): Record<string, unknown> {
  const file = options.adminTokenFile
  if (typeof file !== 'string') return {}
  const token = loadOptionFile('--admin-token-file', file, (path) => readFileSync(path, 'utf8').trim())
  if (token === '') return fail(`--admin-token-file: ${file} is empty`, USAGE_ERROR_EXIT)
  return { adminToken: token }
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description("run the mirroring client service (SOAP endpoint for SuperOffice's Mirroring Task)")
    .addOption(new Option('--port <n>', 'TCP port').env('PORT').default(String(DEFAULTS.port)))
    .addOption(new Option('--host <address>', 'address to listen on').env('HOST').default(DEFAULTS.host))
    .addOption(
      new Option('--path <path>', 'endpoint path (/ is accepted too)').env('MIRROR_PATH').default(DEFAULTS.path),
    )
    .addOption(
      new Option('--admin-token <token>', 'serve the dashboard under /admin, guarded by this token').env(
        'MIRROR_ADMIN_TOKEN',
      ),
    )
    .addOption(
      new Option('--admin-token-file <file>', 'read --admin-token from this file (a mounted secret)')
        .env('MIRROR_ADMIN_TOKEN_FILE')
        .conflicts('adminToken'),
    )
    .addOption(
      new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
        .env('MIRROR_LOG_LEVEL')
        .default(DEFAULTS.logLevel),
    )
  return addServiceOptions(command).action(async (options: Record<string, unknown>) => {
    const parsed = parseServiceConfig(rawServiceOptions(options, adminTokenFromFile(options)))
    if (!parsed.ok) return fail(parsed.error, 2)
    const config = parsed.config
    // A key or certificate that cannot be read is a configuration error (exit 2), named by its option.
    checkServiceFiles(config)
    const heap = heapShortfall(config.maxInflightBytes)
    if (heap) return fail(heap, 2)
    let service: ReturnType<typeof createMirroringService>
    try {
      service = createMirroringService(config)
    } catch (error) {
      return fail(error instanceof Error ? error.message.split('\n')[0]! : String(error), 2)
    }
    const problem = await waitForDatabases(service, config)
    if (problem) return fail(problem)
    const server = createAdaptorServer({ fetch: service.app.fetch, hostname: config.host }) as Server
    // Node's own limit on receiving a request, behind the endpoint's exact body timeouts.
    server.requestTimeout = config.bodyTimeoutMs + 10_000
    let listening: SpreadListening
    try {
      listening = await listenSpread(server, config.port, config.host)
    } catch (error) {
      return fail(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`)
    }
    // What a listening socket meets later (accept failing for want of file descriptors) stops the service, named.
    server.on('error', (error) => fail(`stopped listening on ${config.host}:${config.port}: ${error.message}`))
    service.logger.info(
      {
        port: listening.port,
        host: config.host,
        path: config.path,
        version: VERSION,
        database: describeLocation(config.database),
      },
      'tenant-mirror client service listening',
    )
    const shutdown = async (signal: string) => {
      service.logger.info({ signal }, 'shutting down: finishing calls in flight')
      service.metrics.ready = false
      const force = setTimeout(() => server.closeAllConnections(), 30_000)
      force.unref()
      const others = listening.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await others
      await service.close()
      process.exit(0)
    }
    process.once('SIGTERM', () => void shutdown('SIGTERM'))
    process.once('SIGINT', () => void shutdown('SIGINT'))
  })
}
