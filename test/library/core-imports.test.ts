import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const src = new URL('../../src/', import.meta.url)

/** What the core must leave unloaded: the HTTP stack, logging, metrics, the container, drivers, JOSE. */
const HEAVY = [
  'hono',
  '@hono/node-server',
  'pino',
  'prom-client',
  'inversify',
  'kysely',
  'better-sqlite3',
  'pg',
  'mysql2',
  'tedious',
  'jose',
]

/**
 * Every URL a fresh Node process resolves while importing one module, recorded by a
 * `module.registerHooks` resolve hook installed before the import.
 */
async function resolvedWhileImporting(entry: URL): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module'
    const urls = []
    registerHooks({
      resolve(specifier, context, nextResolve) {
        const resolved = nextResolve(specifier, context)
        urls.push(resolved.url)
        return resolved
      },
    })
    await import(${JSON.stringify(entry.href)})
    process.stdout.write(JSON.stringify(urls))
  `
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], { timeout: 20_000 })
  return JSON.parse(stdout) as string[]
}

const packagesIn = (urls: readonly string[]) =>
  HEAVY.filter((name) => urls.some((url) => url.includes(`/node_modules/${name}/`)))

describe('tenant-mirror/core', () => {
  it('loads none of the HTTP, logging, container, driver or JOSE packages', async () => {
    const urls = await resolvedWhileImporting(new URL('core.ts', src))
    // The hook saw the core's own modules, so an empty list cannot pass for a clean one.
    expect(urls).toContain(new URL('core.ts', src).href)
    expect(urls).toContain(new URL('application/apply-row-data.ts', src).href)
    expect(urls).toContain(new URL('domain/handshake/context-id.ts', src).href)
    expect(packagesIn(urls)).toEqual([])
    expect(urls.filter((url) => url.includes('/node_modules/'))).toEqual([])
  })

  it('is what keeps them out: the service entry, probed the same way, loads them', async () => {
    const urls = await resolvedWhileImporting(new URL('index.ts', src))
    expect(packagesIn(urls)).toEqual(expect.arrayContaining(['hono', 'pino', 'prom-client', 'inversify', 'jose']))
  })
})
