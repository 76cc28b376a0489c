// The Node version check the bin runs before anything else loads: better-sqlite3 13 (and other
// dependencies) need Node >= 22 and crash on older ones (a segmentation fault, not an error).
// On an older Node it runs the same command under Node 24 from the npm registry, fetched and
// cached the way .ci/run does, so that `npm install && npm start` also work on Node 20.
// Plain JavaScript that Node 20 parses: this file runs before the version is known.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { constants, homedir } from 'node:os'
import { dirname, join } from 'node:path'

export const REQUIRED_MAJOR = 22
export const FETCHED_MAJOR = 24
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** The npm package holding a Node binary for this machine (only Linux builds are published). */
export function nodePackage(platform, arch) {
  return platform === 'linux' && (arch === 'x64' || arch === 'arm64') ? `node-linux-${arch}` : undefined
}

/** Where the fetched Node is kept: the directory .ci/run uses, so one download serves both. */
export function nodeDir(env, arch) {
  if (env.TENANT_MIRROR_NODE_DIR) return env.TENANT_MIRROR_NODE_DIR
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(cache, 'tenant-mirror', `node${FETCHED_MAJOR}-${arch}`)
}

/**
 * What to do on this Node: `run`; `reexec` under the Node in `dir` (`fetch` it first when it
 * is not there yet); or `fail` with a message naming the needed and the found version.
 */
export function planNode({ version, platform, arch, env }) {
  if (Number(version.split('.')[0]) >= REQUIRED_MAJOR) return { action: 'run' }
  const needs = `tenant-mirror needs Node.js >= ${REQUIRED_MAJOR} (${FETCHED_MAJOR} recommended); this is Node ${version}`
  const advice = `install Node ${FETCHED_MAJOR} (\`nvm install\` reads .nvmrc) and run with it`
  // A child that is still too old means the cached Node is not what it should be: no loop.
  if (env.TENANT_MIRROR_REEXEC) return { action: 'fail', message: `${needs}, even after re-executing; ${advice}` }
  const pkg = nodePackage(platform, arch)
  if (!pkg) return { action: 'fail', message: `${needs}; ${advice}` }
  const dir = nodeDir(env, arch)
  const binary = join(dir, 'node_modules', pkg, 'bin', 'node')
  const fetch = !existsSync(binary)
  if (fetch && env.TENANT_MIRROR_NODE_FETCH === '0') {
    return {
      action: 'fail',
      message: `${needs} (fetching Node ${FETCHED_MAJOR} is off: TENANT_MIRROR_NODE_FETCH=0); ${advice}`,
    }
  }
  return { action: 'reexec', dir, pkg, binary, fetch, needs, advice }
}

/** The npm that came with this Node (next to it, as nvm and Debian install it), else the one on PATH. */
function npmCommand() {
  const cli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')
  return existsSync(cli) ? [process.execPath, cli] : ['npm']
}

/**
 * Installs `<pkg>@24` into a private directory and moves it into place, so that two first runs
 * at once never see a half-installed Node. npm's output goes to stderr, keeping stdout clean.
 */
function fetchNode(plan) {
  const staging = `${plan.dir}.${process.pid}.tmp`
  mkdirSync(staging, { recursive: true })
  const [command, ...pre] = npmCommand()
  const args = ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', '--loglevel=error']
  // Offline, npm's default retries keep a first run silent for over a minute before it fails.
  args.push('--fetch-retries=1', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=5000')
  const npm = spawnSync(command, [...pre, ...args, `${plan.pkg}@${FETCHED_MAJOR}`], { stdio: ['ignore', 2, 2] })
  const staged = join(staging, 'node_modules', plan.pkg, 'bin', 'node')
  if (npm.status === 0 && existsSync(staged) && !existsSync(plan.binary)) {
    rmSync(plan.dir, { recursive: true, force: true })
    try {
      renameSync(staging, plan.dir)
    } catch {
      // Another first run moved its copy in between: use that one.
    }
  }
  rmSync(staging, { recursive: true, force: true })
  return existsSync(plan.binary)
}

function fetchedVersion(plan) {
  try {
    return JSON.parse(readFileSync(join(plan.dir, 'node_modules', plan.pkg, 'package.json'), 'utf8')).version
  } catch {
    return String(FETCHED_MAJOR)
  }
}

/**
 * Runs this process's command line (its Node flags included) under `binary` and ends as the
 * child ends. The child gets a process group of its own, so that a terminal's Ctrl-C reaches
 * it once, forwarded from here, and not twice (a second SIGINT would cut its drain short).
 */
function reexec(binary) {
  const env = { ...process.env, TENANT_MIRROR_REEXEC: process.version }
  env.PATH = `${dirname(binary)}:${env.PATH || ''}`
  const child = spawn(binary, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env,
    detached: true,
  })
  const forward = (signal) => child.kill(signal)
  for (const signal of FORWARDED) process.on(signal, forward)
  child.on('error', (error) => {
    process.stderr.write(`tenant-mirror: cannot run ${binary}: ${error.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    for (const name of FORWARDED) process.off(name, forward)
    if (signal) process.kill(process.pid, signal) // end as the child ended, for the shell and npm
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0))
  })
  return new Promise(() => {}) // the bin must not go on to load the service
}

/** Returns on a Node that is new enough; otherwise re-executes under Node 24 or exits with the reason (2 when it may not fetch one, 1 when fetching failed). */
export function ensureNode() {
  const plan = planNode({
    version: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    env: process.env,
  })
  if (plan.action === 'run') return Promise.resolve()
  if (plan.action === 'fail') {
    // A configuration error like any other (exit 2): a supervisor should not restart it.
    process.stderr.write(`${plan.message}\n`)
    process.exit(2)
  }
  if (plan.fetch) {
    process.stderr.write(
      `${plan.needs}: fetching Node ${FETCHED_MAJOR} from the npm registry (${plan.pkg}@${FETCHED_MAJOR}) into ${plan.dir}, then running under it\n`,
    )
    if (!fetchNode(plan)) {
      process.stderr.write(`${plan.needs}; fetching Node ${FETCHED_MAJOR} failed (offline?); ${plan.advice}\n`)
      process.exit(1)
    }
  } else {
    process.stderr.write(`${plan.needs}: running under Node ${fetchedVersion(plan)} from ${plan.dir}\n`)
  }
  return reexec(plan.binary)
}
