import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const tsc = join(root, 'node_modules/typescript/bin/tsc')
const vitest = join(root, 'node_modules/vitest/vitest.mjs')
const EXAMPLES = ['embedded-core', 'hono-mount', 'counting-mirror'] as const
const ENTRIES = [
  'tenant-mirror',
  'tenant-mirror/core',
  'tenant-mirror/testing',
  'tenant-mirror/testing/mirror-database-contract',
]

/**
 * The three projects of examples/ as an integrator has them: the package built (as `npm run
 * build` builds it) into a directory of its own, each example copied beside it with
 * `node_modules/tenant-mirror` linked to that build (what `"tenant-mirror": "file:../.."` and
 * `npm install` give), and the root's node_modules a directory up for vitest, hono and the types.
 * Each is type-checked with its own tsconfig and run with its own command.
 */
let dir: string
const exampleDir = (name: string) => join(dir, 'examples', name)
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tm-examples-'))
  const pkg = join(dir, 'tenant-mirror')
  await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')])
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'))
  symlinkSync(join(root, 'assets'), join(pkg, 'assets'))
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'))
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  for (const name of EXAMPLES) {
    const target = exampleDir(name)
    cpSync(join(root, 'examples', name), target, {
      recursive: true,
      filter: (source) => !source.split('/').includes('node_modules'),
    })
    mkdirSync(join(target, 'node_modules'))
    symlinkSync(pkg, join(target, 'node_modules', 'tenant-mirror'))
  }
}, 120_000)
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

interface Ran {
  readonly code: number
  readonly output: string
}

/** Runs node with the arguments in the example's folder; never throws, the exit code is kept. */
async function inExample(name: string, args: readonly string[], timeout = 60_000): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: exampleDir(name),
      timeout,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string; message: string }
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout}${failed.stderr}` }
  }
}

const typecheck = (name: string) => inExample(name, [tsc, '--noEmit', '-p', exampleDir(name)])
const vitestRun = (name: string) =>
  inExample(name, [vitest, 'run', '--root', exampleDir(name), '--reporter', 'verbose'])

/** How many tests vitest says passed and failed. */
function counts(output: string): { passed: number; failed: number } {
  const line = output.split('\n').find((l) => /^\s*Tests\s/.test(l)) ?? ''
  return {
    passed: Number(/(\d+) passed/.exec(line)?.[1] ?? 0),
    failed: Number(/(\d+) failed/.exec(line)?.[1] ?? 0),
  }
}

describe('examples/', { timeout: 90_000 }, () => {
  it('holds the three projects, each importing tenant-mirror only by its package name', () => {
    expect(readdirSync(join(root, 'examples')).sort()).toEqual(expect.arrayContaining([...EXAMPLES].sort()))
    for (const name of EXAMPLES) {
      const folder = join(root, 'examples', name)
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>
      }
      expect(manifest.dependencies['tenant-mirror']).toBe('file:../..')
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.ts'))) {
        const text = readFileSync(join(folder, file), 'utf8')
        const specifiers = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!)
        // Relative imports stay in the example's folder; the package is reached by its entries only.
        const outside = specifiers.filter((s) => s.startsWith('.') && !/^\.\/[\w.-]+\.ts$/.test(s))
        expect(outside, `${name}/${file}`).toEqual([])
        const deep = specifiers.filter((s) => s.startsWith('tenant-mirror') && !ENTRIES.includes(s))
        expect(deep, `${name}/${file}`).toEqual([])
        expect(
          specifiers.some((s) => ENTRIES.includes(s)),
          `${name}/${file}`,
        ).toBe(file !== 'vitest.config.ts')
      }
    }
  })

  it.each(EXAMPLES)('%s type-checks against the built package', async (name) => {
    const checked = await typecheck(name)
    expect(checked.output).toBe('')
    expect(checked.code).toBe(0)
  })

  it('embedded-core: its vitest test runs a cycle through the core with its own hooks', async () => {
    const ran = await vitestRun('embedded-core')
    expect(ran.code, ran.output).toBe(0)
    expect(counts(ran.output)).toEqual({ passed: 2, failed: 0 })
    expect(ran.output).toContain('asks SuperOffice not to replicate a paused tenant')
  })

  it('hono-mount: serves its own routes and the mounted service, and stops on SIGTERM', async () => {
    const ran = await inExample('hono-mount', ['check.ts'])
    expect(ran.code, ran.output).toBe(0)
    expect(ran.output).toContain('GET /: 200')
    expect(ran.output).toContain('GET /api/hello: 200')
    expect(ran.output).toContain('GET /mirror/healthz: 200')
    expect(ran.output).toMatch(/POST \/mirror\/MirroringClientService\.svc: 200 AuthenticateResponse/)
    expect(ran.output).toContain('main.ts exited with 0')
  })

  it('counting-mirror: its wrapper passes the exported contract suite and counts the rows', async () => {
    const ran = await vitestRun('counting-mirror')
    expect(ran.code, ran.output).toBe(0)
    const { passed, failed } = counts(ran.output)
    expect(failed).toBe(0)
    expect(passed).toBeGreaterThan(10)
    expect(ran.output).toContain('counting wrapper over in-memory: MirrorDatabase contract')
    expect(ran.output).toContain('counts the rows of each applied batch per table')
  })
})
