import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname

interface Manifest {
  readonly exports: Record<string, { types: string; default: string } | string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>
  readonly dependencies: Record<string, string>
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest

/**
 * The package as an integrator installs it: built (as `npm run build` builds it) into a
 * directory of its own, and linked into an application's node_modules, which imports it by name.
 */
let dir: string
let app: string
let pkg: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tm-package-'))
  pkg = join(dir, 'tenant-mirror')
  await run(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(root, 'tsconfig.build.json'),
    '--outDir',
    join(pkg, 'dist'),
  ])
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'))
  symlinkSync(join(root, 'assets'), join(pkg, 'assets'))
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'))
  app = join(dir, 'app')
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  symlinkSync(pkg, join(app, 'node_modules', 'tenant-mirror'))
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function inApp(script: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: app,
    timeout: 30_000,
  })
  return JSON.parse(stdout)
}

describe('the package entries', () => {
  it('each export names a built module and its declarations', () => {
    expect(Object.keys(manifest.exports)).toEqual(
      expect.arrayContaining(['.', './core', './testing', './testing/mirror-database-contract']),
    )
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue
      expect(existsSync(join(pkg, target.default)), `${entry} → ${target.default}`).toBe(true)
      expect(existsSync(join(pkg, target.types)), `${entry} → ${target.types}`).toBe(true)
    }
  })

  it('imports by name: the service, the core and the testing kit', async () => {
    const names = await inApp(`
      const service = await import('tenant-mirror')
      const core = await import('tenant-mirror/core')
      const testing = await import('tenant-mirror/testing')
      process.stdout.write(JSON.stringify({
        service: ['createMirroringService', 'parseServiceConfig', 'DEFAULTS', 'ApplyRowData'].filter((n) => n in service),
        core: ['ok', 'err', 'parseContextId', 'Authenticate', 'MirrorStoreError'].filter((n) => n in core),
        testing: ['mirroringHarness', 'PlainClaimsVerifier', 'InMemoryMirrorDatabases', 'writeRowDataRequest', 'NS']
          .filter((n) => n in testing),
        contract: import.meta.resolve('tenant-mirror/testing/mirror-database-contract'),
        ok: core.ok(1),
      }))
    `)
    expect(names).toEqual({
      service: ['createMirroringService', 'parseServiceConfig', 'DEFAULTS', 'ApplyRowData'],
      core: ['ok', 'err', 'parseContextId', 'Authenticate', 'MirrorStoreError'],
      testing: ['mirroringHarness', 'PlainClaimsVerifier', 'InMemoryMirrorDatabases', 'writeRowDataRequest', 'NS'],
      contract: expect.stringMatching(/\/dist\/testing\/mirror-database-contract\.js$/),
      ok: { ok: true, value: 1 },
    })
  })

  it('runs a harness cycle from the built testing kit', async () => {
    const outcome = await inApp(`
      const { mirroringHarness, peopleTable, batch } = await import('tenant-mirror/testing')
      const h = mirroringHarness()
      await h.send.tableSchema([peopleTable()])
      const written = await h.send.rowData([batch(peopleTable(), 4, [['[I:1]', 'Ann', null]])])
      const state = await (await h.mirrors.forTenant('Cust1')).readState()
      process.stdout.write(JSON.stringify({ ok: written.result.ok, lsn: state.tables.get('person').lsn }))
    `)
    expect(outcome).toEqual({ ok: true, lsn: 4 })
  })

  it('needs vitest only for the contract suite: an optional peer, not a dependency', async () => {
    expect(manifest.dependencies.vitest).toBeUndefined()
    expect(manifest.peerDependencies?.vitest).toBeDefined()
    expect(manifest.peerDependenciesMeta?.vitest?.optional).toBe(true)
    const testing = await packagesLoadedBy('tenant-mirror/testing')
    expect(testing.own).toBeGreaterThan(10)
    expect(testing.packages).not.toContain('vitest')
  })

  it("leaves the service's packages unloaded when only the built core is imported", async () => {
    const core = await packagesLoadedBy('tenant-mirror/core')
    expect(core.own).toBeGreaterThan(10)
    expect(core.packages).toEqual([])
  })
})

/** The packages a fresh process resolves while importing one entry, and how many of the package's own modules. */
async function packagesLoadedBy(entry: string): Promise<{ own: number; packages: string[] }> {
  return (await inApp(`
    import { registerHooks } from 'node:module'
    const urls = []
    registerHooks({
      resolve(specifier, context, nextResolve) {
        const resolved = nextResolve(specifier, context)
        urls.push(resolved.url)
        return resolved
      },
    })
    await import(${JSON.stringify(entry)})
    const own = urls.filter((url) => url.startsWith(${JSON.stringify(`file://${pkg}/dist/`)})).length
    const packageOf = (url) => {
      const rest = url.split('/node_modules/').at(-1)
      return rest.split('/').slice(0, rest.startsWith('@') ? 2 : 1).join('/')
    }
    const packages = [...new Set(urls.filter((url) => url.includes('/node_modules/')).map(packageOf))]
    process.stdout.write(JSON.stringify({ own, packages }))
  `)) as { own: number; packages: string[] }
}
