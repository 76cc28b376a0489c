import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../chaos/support/service-child.ts'
import { authenticateCall } from '../support/envelopes.ts'
import { notPrivate } from '../support/file-modes.ts'
import { POSTGRES_URL } from '../support/servers.ts'
import { TEST_CLIENT_ID } from '../support/tokens.ts'

/*
 * The deployment kit (deploy/) run as far as this machine can: no Docker engine and no systemd
 * run here, so the test reads the Dockerfile, the systemd unit with env.example as its
 * EnvironmentFile, and compose.yaml, and starts exactly the command line each sets with exactly
 * the environment each sets — the paths they name moved into a temporary directory, a free port,
 * test keys. It runs the Dockerfile's HEALTHCHECK command itself, holds a call open, sends
 * SIGTERM, and sees readiness end, the call answered and the process exit 0 in the stop timeout.
 */

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '')
const kit = (file: string) => readFileSync(join(ROOT, 'deploy', file), 'utf8')
/** What serve-command.ts waits for calls in flight before it closes their connections. */
const SERVICE_DRAIN_MS = 30_000

// --- readers: each refuses what it does not understand, so that a change to a file fails here

interface Dockerfile {
  from: string[]
  env: Record<string, string>
  user?: string
  workdir?: string
  cmd?: string[]
  entrypoint?: string[]
  healthcheck?: { options: Record<string, string>; cmd: string[] }
  stopSignal?: string
  expose: string[]
  volumes: string[]
}

/** The final stage of a Dockerfile: exec forms only (a shell would stand between SIGTERM and node). */
function readDockerfile(text: string): Dockerfile {
  const lines = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
  const from: string[] = []
  let stage: Dockerfile = { from, env: {}, expose: [], volumes: [] }
  const execForm = (what: string, rest: string) => {
    if (!rest.startsWith('[')) throw new Error(`${what} must be in exec form: ${rest}`)
    return JSON.parse(rest) as string[]
  }
  for (const line of lines.map((l) => l.trim()).filter(Boolean)) {
    const [, word, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? []
    if (!word || rest === undefined) throw new Error(`unreadable Dockerfile line: ${line}`)
    const instruction = word.toUpperCase()
    if (instruction === 'FROM') {
      from.push(rest.split(/\s+/)[0]!)
      stage = { from, env: {}, expose: [], volumes: [] }
    } else if (instruction === 'ENV') {
      for (const pair of rest.match(/[^\s"]+="[^"]*"|\S+/g) ?? []) {
        const [, key, value] = /^([A-Za-z_]\w*)=(.*)$/.exec(pair) ?? []
        if (!key || value === undefined || value.includes('$')) throw new Error(`unsupported ENV: ${pair}`)
        stage.env[key] = value.replace(/^"(.*)"$/, '$1')
      }
    } else if (instruction === 'CMD') stage.cmd = execForm('CMD', rest)
    else if (instruction === 'ENTRYPOINT') stage.entrypoint = execForm('ENTRYPOINT', rest)
    else if (instruction === 'HEALTHCHECK') {
      const [, flags, cmd] = /^((?:--[\w-]+=\S+\s+)*)CMD\s+(.*)$/.exec(rest) ?? []
      if (cmd === undefined) throw new Error(`unsupported HEALTHCHECK: ${rest}`)
      const options = Object.fromEntries(
        (flags ?? '')
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map((f) => f.slice(2).split('=') as [string, string]),
      )
      stage.healthcheck = { options, cmd: execForm('HEALTHCHECK', cmd) }
    } else if (instruction === 'USER') stage.user = rest
    else if (instruction === 'WORKDIR') stage.workdir = rest
    else if (instruction === 'STOPSIGNAL') stage.stopSignal = rest
    else if (instruction === 'EXPOSE') stage.expose.push(...rest.split(/\s+/))
    else if (instruction === 'VOLUME')
      stage.volumes.push(...(rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/)))
    else if (!['RUN', 'COPY', 'LABEL'].includes(instruction)) throw new Error(`not modelled here: ${instruction}`)
  }
  return stage
}

/** A systemd unit's settings by section, each key with every value it was given, in order. */
function readUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {}
  let section: Record<string, string[]> | undefined
  for (const line of text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(\w+)\]$/.exec(line)
    if (header) {
      section = {}
      sections[header[1]!] = section
    } else {
      const [, key, value] = /^(\w+)=(.*)$/.exec(line) ?? []
      if (!section || !key || value === undefined) throw new Error(`unreadable unit line: ${line}`)
      section[key] = [...(section[key] ?? []), value.trim()]
    }
  }
  return sections
}

/** Words of a unit's command line or Environment=, with systemd's quotes; `$` and `%` refused. */
function unitWords(value: string): string[] {
  if (/[$%]/.test(value)) throw new Error(`variables and specifiers are not modelled here: ${value}`)
  return (value.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'))
}

/** An EnvironmentFile: KEY=value lines and comments, nothing else. */
function readEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue
    const [, key, value] = /^([A-Za-z_]\w*)=([^"'$]*)$/.exec(line) ?? []
    if (!key || value === undefined) throw new Error(`unsupported environment file line: ${line}`)
    env[key] = value
  }
  return env
}

/** The lines under `key:` (indented deeper) of a YAML block, found by a path of keys; no comments. */
function yamlBlock(lines: readonly string[], ...path: string[]): string[] {
  let block = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
  for (const key of path) {
    const indent = Math.min(...block.map(indentOf))
    const at = block.findIndex((l) => indentOf(l) === indent && l.trimStart().match(/^([\w.-]+):(\s|$)/)?.[1] === key)
    if (at < 0) throw new Error(`compose.yaml: no ${path.join('.')}`)
    const end = block.findIndex((l, i) => i > at && indentOf(l) <= indent)
    block = block.slice(at + 1, end < 0 ? undefined : end)
  }
  return block
}
const indentOf = (line: string) => line.length - line.trimStart().length

/** `key: value` of the block's first level: a flow list of quoted strings, a quoted or a plain scalar. */
function yamlMap(block: readonly string[]): Record<string, unknown> {
  const indent = Math.min(...block.map(indentOf))
  const map: Record<string, unknown> = {}
  block.forEach((line, i) => {
    if (indentOf(line) !== indent) return
    const [, key, inline = ''] = /^\s*([\w.-]+):\s*(.*)$/.exec(line) ?? []
    if (!key) throw new Error(`compose.yaml: unreadable line: ${line}`)
    // A flow list may continue on the deeper lines that follow (as biome formats long ones).
    const next = block.slice(i + 1).findIndex((l) => indentOf(l) <= indent)
    const raw =
      inline === ''
        ? block
            .slice(i + 1, next < 0 ? undefined : i + 1 + next)
            .join(' ')
            .trim()
        : inline
    if (raw.startsWith("'")) throw new Error(`compose.yaml: a single-quoted scalar is not modelled here: ${line}`)
    map[key] = raw.startsWith('[') ? flowList(raw) : raw.startsWith('"') ? JSON.parse(raw) : raw.replace(/\s+#.*$/, '')
  })
  return map
}

/** `["a", 'b', …]`: double-quoted (JSON escapes) or single-quoted ('' for ') strings, nothing else. */
function flowList(raw: string): string[] {
  const items: string[] = []
  const item = /\s*(?:("(?:[^"\\]|\\.)*")|'((?:[^']|'')*)')\s*(,|\])/y
  item.lastIndex = 1
  for (let m = item.exec(raw); m; m = item.exec(raw)) {
    items.push(m[1] !== undefined ? (JSON.parse(m[1]) as string) : m[2]!.replaceAll("''", "'"))
    if (m[3] === ']') {
      if (item.lastIndex !== raw.length) break
      return items
    }
    if (/^\s*\]$/.test(raw.slice(item.lastIndex))) return items
  }
  throw new Error(`compose.yaml: unreadable list: ${raw}`)
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} and $$. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$'
    const found = vars[name!]
    if (found !== undefined && found !== '') return found
    if (op === '-') return arg!
    throw new Error(`compose.yaml needs ${name}: ${arg ?? ''}`)
  })
}

/** Seconds from a systemd or compose duration (`40`, `40s`, `2min`, `1m30s`). */
function seconds(value: string): number {
  const parts = [...value.matchAll(/(\d+)\s*(min|m|sec|s)?/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value.replace(/\s+/g, '')) {
    throw new Error(`unsupported duration: ${value}`)
  }
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unit === 'min' || unit === 'm' ? 60 : 1), 0)
}

/** Moves the absolute paths a file names (at the start of a value, after `:`, `=` or a space). */
function relocate(value: string, moves: ReadonlyMap<string, string>): string {
  let result = value
  for (const [from, to] of moves) {
    const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    result = result.replace(new RegExp(`(^|[:= "])${escaped}(?=/|$|[ "])`, 'g'), `$1${to}`)
  }
  return result
}

// --- running a command line as its supervisor would

interface Launch {
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly port: number
  /** The health check's command line, run with the service's environment. */
  readonly healthcheck: readonly string[]
  readonly healthTimeoutMs: number
  readonly startPeriodMs: number
  /** How long the supervisor waits after SIGTERM before it kills. */
  readonly stopTimeoutMs: number
  /** More checks once the service is ready. */
  readonly whileReady?: () => Promise<void>
}

const node = (argv: readonly string[]) => (argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : [...argv])

/** Runs a command to its end (killed after `timeoutMs`) and gives its exit code. */
async function commandExitCode(
  argv: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<number> {
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: 'ignore', timeout: timeoutMs })
  const [code] = (await once(child, 'exit')) as [number | null]
  return code ?? -1
}

async function exercise(launch: Launch): Promise<void> {
  const health = () => commandExitCode(node(launch.healthcheck), { ...launch.env }, launch.healthTimeoutMs)
  // Unhealthy while nothing listens: the check tests something.
  expect(await health()).not.toBe(0)

  const [command, ...args] = launch.argv
  // Its own process group, so that whatever it leaves behind can be killed when the test fails.
  const child = spawn(command!, args, {
    cwd: launch.cwd,
    env: { ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (c: Buffer) => (output += c.toString()))
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  try {
    const deadline = Date.now() + launch.startPeriodMs
    while ((await health()) !== 0) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`service never became ready:\n${output}`)
      await sleep(250)
    }
    await launch.whileReady?.()

    // A call whose request has begun but not ended when SIGTERM comes.
    const call = await authenticateCall()
    const body = Buffer.from(call.body)
    const socket = connect(launch.port, '127.0.0.1')
    await once(socket, 'connect')
    let reply = ''
    socket.on('data', (c: Buffer) => (reply += c.toString()))
    const closed = once(socket, 'close')
    socket.write(
      `POST /MirroringClientService.svc HTTP/1.1\r\nHost: 127.0.0.1:${launch.port}\r\n` +
        `Content-Type: text/xml; charset=utf-8\r\nSOAPAction: "${call.action}"\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    )
    socket.write(body.subarray(0, 40))
    await sleep(300)

    const signalled = Date.now()
    child.kill('SIGTERM')
    // Readiness ends at once, while the call is still open (a shell that did not exec would
    // take the signal itself and leave node serving).
    for (let i = 0; (await health()) === 0; i++) {
      if (i === 50) throw new Error(`SIGTERM did not reach the service: still ready\n${output}`)
      await sleep(100)
    }
    expect(child.exitCode).toBeNull()
    // Written, not ended: a client that half-closes its side gets no answer from Node's server.
    socket.write(body.subarray(40))
    await closed
    // Answered, not cut: the token is refused (it is not SuperOffice's), as a reply.
    expect(reply).toMatch(/^HTTP\/1\.1 200 /)
    expect(reply).toContain('<IsSuccessful>false</IsSuccessful>')

    const [code, signal] = await exited
    expect({ code, signal }, output).toEqual({ code: 0, signal: null })
    expect(Date.now() - signalled).toBeLessThan(launch.stopTimeoutMs)
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // The group is gone: nothing was left behind.
    }
  }
}

// --- the files

const dockerfile = readDockerfile(kit('Dockerfile'))
const unit = readUnit(kit('tenant-mirror.service'))
const service = unit.Service!
const one = (key: string) => {
  const values = service[key] ?? []
  if (values.length !== 1) throw new Error(`the unit must set ${key} once`)
  return values[0]!
}
const composeLines = kit('compose.yaml').split('\n')
const composeService = yamlMap(yamlBlock(composeLines, 'services', 'tenant-mirror'))
const containerCommand = [...(dockerfile.entrypoint ?? []), ...(dockerfile.cmd ?? [])]

const dir = mkdtempSync(join(tmpdir(), 'tm-deploy-'))
const keys = join(dir, 'keys')
beforeAll(async () => {
  await promisify(execFile)(process.execPath, [join(ROOT, 'bin/tenant-mirror.js'), 'keys', 'generate', '--out', keys])
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the deployment kit, read', () => {
  it('Dockerfile: node:24-slim, not root, node itself on SIGTERM, /readyz health check, /data, 8080', () => {
    expect(dockerfile.from.every((image) => image.startsWith('node:24-slim'))).toBe(true)
    const user = dockerfile.user?.split(':')[0]
    expect(user).toBeDefined()
    expect(['root', '0']).not.toContain(user)
    expect(containerCommand[0]).toBe('node')
    expect(containerCommand).toContain('bin/tenant-mirror.js')
    expect(containerCommand.join(' ')).not.toMatch(/\bnp[mx]\b/)
    expect(dockerfile.stopSignal).toBe('SIGTERM')
    expect(dockerfile.healthcheck?.cmd.join(' ')).toContain('/readyz')
    expect(dockerfile.volumes).toContain('/data')
    expect(dockerfile.expose).toContain(dockerfile.env.PORT)
    expect(dockerfile.env.PORT).toBe('8080')
  })

  it("starts node with the bin's own V8 flags, in the image, the unit, npm start and the bench", () => {
    const bin = readFileSync(join(ROOT, 'bin/tenant-mirror.js'), 'utf8').split('\n')[0]!
    // Kernels before Linux 5.1 read 127 bytes of a shebang line and cut the rest.
    expect(Buffer.byteLength(bin)).toBeLessThanOrEqual(127)
    const flags = bin.split(/\s+/).filter((word) => word.startsWith('--'))
    expect(flags).toContain('--initial-old-space-size=64')
    const flagsOf = (words: string[]) =>
      words.slice(
        1,
        words.findIndex((w) => w.endsWith('bin/tenant-mirror.js')),
      )
    expect(flagsOf(containerCommand)).toEqual(flags)
    expect(flagsOf(unitWords(one('ExecStart')))).toEqual(flags)
    const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string
    expect(flagsOf(start.split(/\s+/))).toEqual(flags)
    expect(readFileSync(join(ROOT, 'bench/service-process.ts'), 'utf8')).toContain(`'${flags.join(' ')}'`)
  })

  it('unit: its own user, UMask=0077, restarts but not on bad configuration, time to drain, hardened', () => {
    expect(one('User')).not.toMatch(/^(root|0)?$/)
    expect(one('UMask')).toBe('0077')
    expect(one('Restart')).toBe('on-failure')
    expect(one('RestartPreventExitStatus').split(/\s+/)).toContain('2')
    expect(one('KillSignal')).toBe('SIGTERM')
    expect(seconds(one('TimeoutStopSec')) * 1000).toBeGreaterThan(SERVICE_DRAIN_MS)
    expect(unitWords(one('ExecStart')).slice(0, 1)).toEqual(['/usr/bin/node'])
    expect(one('NoNewPrivileges')).toBe('yes')
    expect(one('ProtectSystem')).toBe('strict')
    expect(one('PrivateTmp')).toBe('yes')
    // ProtectSystem=strict: whatever the environment file points the databases at must be writable.
    const writable = one('ReadWritePaths').split(/\s+/)
    const env = readEnvFile(kit('env.example'))
    for (const url of [env.MIRROR_DATABASE, env.MIRROR_STATE]) {
      const path = url?.replace(/^sqlite:/, '')
      if (path && path !== url) expect(writable.some((w) => path.startsWith(`${w}/`))).toBe(true)
    }
  })

  it("compose: the image's own command (node, no shell), the same health check, time to drain, PostgreSQL healthy first", () => {
    expect(composeService.entrypoint).toBeUndefined()
    expect(composeService.command).toBeUndefined()
    const healthcheck = yamlMap(yamlBlock(composeLines, 'services', 'tenant-mirror', 'healthcheck'))
    expect(healthcheck.test).toEqual(['CMD', ...dockerfile.healthcheck!.cmd])
    expect(seconds(composeService.stop_grace_period as string) * 1000).toBeGreaterThan(SERVICE_DRAIN_MS)
    const dependsOn = yamlMap(yamlBlock(composeLines, 'services', 'tenant-mirror', 'depends_on', 'postgres'))
    expect(dependsOn.condition).toBe('service_healthy')
    expect(yamlMap(yamlBlock(composeLines, 'services', 'postgres', 'healthcheck')).test).toContain('pg_isready')
  })
})

describe('the deployment kit, run: healthy, then SIGTERM answers the call in flight and exits 0 in time', () => {
  it("the Dockerfile's CMD with its ENV, WORKDIR and HEALTHCHECK (and docker run's keys)", async () => {
    const data = join(dir, 'docker-data')
    mkdirSync(data, { mode: 0o700 })
    const port = await freePort()
    const moves = new Map([
      [dockerfile.workdir!, ROOT],
      ['/data', data],
    ])
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(dockerfile.env)) env[key] = relocate(value, moves)
    // What `docker run -e … -v …` adds, and a free port instead of 8080.
    Object.assign(env, {
      PORT: String(port),
      MIRROR_CLIENT_ID: TEST_CLIENT_ID,
      MIRROR_PRIVATE_KEY: join(keys, 'private.pem'),
      MIRROR_SUPEROFFICE_ENV: 'development',
    })
    const options = dockerfile.healthcheck!.options
    await exercise({
      argv: node(containerCommand),
      env,
      cwd: relocate(dockerfile.workdir!, moves),
      port,
      healthcheck: dockerfile.healthcheck!.cmd,
      healthTimeoutMs: seconds(options.timeout ?? '30s') * 1000,
      startPeriodMs: seconds(options['start-period'] ?? '0s') * 1000 + 10_000,
      stopTimeoutMs: seconds(composeService.stop_grace_period as string) * 1000,
    })
  }, 120_000)

  /** The unit's command line and environment, its paths moved under `dir`. */
  const unitLaunch = (name: string) => {
    const etc = join(dir, name, 'etc')
    const state = join(dir, name, 'state')
    mkdirSync(state, { recursive: true, mode: 0o700 })
    mkdirSync(join(etc, 'keys'), { recursive: true, mode: 0o700 })
    copyFileSync(join(keys, 'private.pem'), join(etc, 'keys', 'private.pem'))
    const moves = new Map([
      ['/usr/bin/node', process.execPath],
      ['/opt/tenant-mirror', ROOT],
      ['/var/lib/tenant-mirror', state],
      ['/etc/tenant-mirror', etc],
    ])
    expect(one('EnvironmentFile')).toBe('/etc/tenant-mirror/env')
    const env: Record<string, string> = {}
    for (const line of service.Environment ?? []) {
      for (const word of unitWords(line)) {
        const [, key, value] = /^(\w+)=(.*)$/.exec(word) ?? []
        env[key!] = value!
      }
    }
    for (const [key, value] of Object.entries(readEnvFile(kit('env.example')))) env[key] = relocate(value, moves)
    const argv = unitWords(one('ExecStart')).map((word) => relocate(word, moves))
    return { argv, env, cwd: relocate(one('WorkingDirectory'), moves), state }
  }

  it("the unit's ExecStart with its Environment= lines and env.example, under its UMask", async () => {
    const { argv, env, cwd, state } = unitLaunch('unit')
    // The one placeholder an operator fills in, and a free port instead of 8080.
    expect(env.MIRROR_CLIENT_ID).toMatch(/^</)
    const port = await freePort()
    Object.assign(env, { MIRROR_CLIENT_ID: TEST_CLIENT_ID, PORT: String(port) })
    const umask = process.umask(Number.parseInt(one('UMask'), 8))
    try {
      await exercise({
        argv,
        env,
        cwd,
        port,
        healthcheck: dockerfile.healthcheck!.cmd,
        healthTimeoutMs: 5_000,
        startPeriodMs: 30_000,
        stopTimeoutMs: seconds(one('TimeoutStopSec')) * 1000,
      })
    } finally {
      process.umask(umask)
    }
    expect(notPrivate(state)).toEqual([])
  }, 120_000)

  it("the unit's restart policy fits the exit codes: env.example unfilled is not restarted, a dead database is", async () => {
    // Not a drain: the process stops at start-up, as systemd would see it.
    const prevented = one('RestartPreventExitStatus').split(/\s+/).map(Number)
    const run = async (launch: ReturnType<typeof unitLaunch>) => {
      const child = spawn(launch.argv[0]!, launch.argv.slice(1), { cwd: launch.cwd, env: launch.env, stdio: 'ignore' })
      const [code] = (await once(child, 'exit')) as [number | null]
      return code
    }
    const unfilled = unitLaunch('unfilled')
    expect(prevented).toContain(await run(unfilled))
    const deadDatabase = unitLaunch('dead-database')
    Object.assign(deadDatabase.env, {
      MIRROR_CLIENT_ID: TEST_CLIENT_ID,
      MIRROR_DATABASE: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
    })
    const code = await run(deadDatabase)
    expect(code).not.toBe(0)
    expect(prevented).not.toContain(code)
  }, 60_000)

  it("compose's entrypoint and environment over the image's, mirrors and state on PostgreSQL, the admin token from its secret", async () => {
    const database = `tm_deploy_${process.pid}_${Date.now().toString(36)}`
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`create database ${database}`)
    try {
      const password = 'b5e0c2d1a9f8e7d6'
      const vars = { MIRROR_CLIENT_ID: TEST_CLIENT_ID, POSTGRES_PASSWORD: password }
      const composeEnv = yamlMap(yamlBlock(composeLines, 'services', 'tenant-mirror', 'environment'))
      const postgresEnv = yamlMap(yamlBlock(composeLines, 'services', 'postgres', 'environment'))
      const secrets = join(dir, 'secrets')
      mkdirSync(secrets, { mode: 0o700 })
      const files = yamlMap(yamlBlock(composeLines, 'secrets', 'private_key'))
      expect(files.file).toBe('./secrets/private.pem')
      copyFileSync(join(keys, 'private.pem'), join(secrets, 'private_key'))
      const adminToken = 'f'.repeat(40)
      writeFileSync(join(secrets, 'admin_token'), `${adminToken}\n`, { mode: 0o600 })

      // The compose network's `postgres` with its user and password is this machine's server.
      const local = new URL(POSTGRES_URL)
      const toLocal = (value: string) => {
        const url = new URL(value)
        expect([url.hostname, url.username, url.password]).toEqual(['postgres', postgresEnv.POSTGRES_USER, password])
        expect(url.pathname).toBe(`/${postgresEnv.POSTGRES_DB}`)
        return `postgres://${local.username}@${local.host}/${database}`
      }
      const port = await freePort()
      const moves = new Map([['/run/secrets', secrets]])
      const env: Record<string, string> = { ...dockerfile.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }
      for (const [key, value] of Object.entries(composeEnv)) {
        const interpolated = relocate(interpolate(String(value), vars), moves)
        env[key] = key === 'MIRROR_DATABASE' || key === 'MIRROR_STATE' ? toLocal(interpolated) : interpolated
      }
      env.PORT = String(port)

      // The admin token reached the service from its secret: the admin API answers with it.
      const whileReady = async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/admin/api/tenants`, {
          headers: { authorization: `Bearer ${adminToken}`, connection: 'close' },
        })
        expect(answer.status).toBe(200)
        await answer.body?.cancel()
      }
      await exercise({
        argv: node(containerCommand),
        env,
        cwd: relocate(dockerfile.workdir!, new Map([[dockerfile.workdir!, ROOT]])),
        port,
        healthcheck: (
          yamlMap(yamlBlock(composeLines, 'services', 'tenant-mirror', 'healthcheck')).test as string[]
        ).slice(1),
        healthTimeoutMs: 5_000,
        startPeriodMs: 60_000,
        stopTimeoutMs: seconds(composeService.stop_grace_period as string) * 1000,
        whileReady,
      })
      // The state store's tables are in the database (the mirror server answered readiness there).
      const check = new pg.Client({ connectionString: `postgres://${local.username}@${local.host}/${database}` })
      await check.connect()
      const tables = await check.query("select count(*)::int as n from pg_tables where tablename like 'tm\\_%'")
      await check.end()
      expect(tables.rows[0].n).toBeGreaterThan(0)
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`)
      await admin.end()
    }
  }, 120_000)
})
