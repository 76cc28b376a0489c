import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generatePartnerKeys } from '../../../src/adapters/crypto/key-files.ts'
import { SAMPLE_CLIENT_ID, samplePath } from '../../support/fixtures.ts'

const MODULE = new URL('../../../src/adapters/cli/fatal-errors.ts', import.meta.url).pathname
const BIN = new URL('../../../bin/tenant-mirror.js', import.meta.url).pathname
const SECRET_URL = 'postgres://mirror:s3cret@db.example/x'

/** Runs a script that installs the policy and then fails as given, outside any handler. */
function runFailing(failure: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'tm-fatal-')), 'fail.ts')
  writeFileSync(
    file,
    `import { exitOnUnexpectedErrors } from '${MODULE}'\nexitOnUnexpectedErrors()\nsetTimeout(() => { ${failure} }, 10)\nsetTimeout(() => console.log('still running'), 2000)\n`,
  )
  return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 10_000 })
}

function fatalLine(stderr: string) {
  return JSON.parse(stderr.trim().split('\n').at(-1)!)
}

describe('an error nothing handled', () => {
  it.each([
    ['a thrown exception', `throw new Error('lost ${SECRET_URL}')`, 'uncaughtException'],
    ['a rejected promise', `void Promise.reject(new Error('lost ${SECRET_URL}'))`, 'unhandledRejection'],
  ])('%s: one JSON line with a reference, secrets masked, exit 70', (_, failure, kind) => {
    const run = runFailing(failure)
    expect(run.status).toBe(70)
    expect(run.stdout).not.toContain('still running')
    const line = fatalLine(run.stderr)
    expect(line).toMatchObject({ level: 'fatal', kind, err: { type: 'Error' } })
    expect(line.reference).toMatch(/^[0-9a-f]{8}$/)
    expect(line.err.message).toBe('lost postgres://mirror:***@db.example/x')
    expect(run.stderr).not.toContain('s3cret')
  })

  it('masks a password in a key=value connection string', () => {
    const run = runFailing("throw new Error('cannot connect: host=db user=mirror password=s3cret dbname=x')")
    expect(run.status).toBe(70)
    expect(fatalLine(run.stderr).err.message).toBe('cannot connect: host=db user=mirror password=*** dbname=x')
    expect(run.stderr).not.toContain('s3cret')
  })

  it('ends `tenant-mirror serve` with exit 70 and the line, after it was serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-fatal-serve-'))
    const keys = generatePartnerKeys(join(dir, 'keys'), 1024)
    // Loaded before the CLI: a fault outside any request, raised on a signal once the service listens.
    const preload = join(dir, 'fault.mjs')
    writeFileSync(
      preload,
      `process.on('SIGUSR2', () => setImmediate(() => { throw new Error('lost ${SECRET_URL}') }))\n`,
    )
    const child = spawn(process.execPath, ['--import', preload, BIN, 'serve'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        MIRROR_CLIENT_ID: SAMPLE_CLIENT_ID,
        MIRROR_PRIVATE_KEY: keys.privatePem,
        MIRROR_FEDERATED_CERT: samplePath('../certs/federated-login.stage.crt'),
        MIRROR_DATABASE: 'memory:',
      },
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${stdout}${stderr}`)), 15_000)
      child.stdout.on('data', (d) => {
        stdout += d
        if (stdout.includes('listening')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    child.kill('SIGUSR2')
    expect(await exit).toBe(70)
    const line = fatalLine(stderr)
    expect(line).toMatchObject({ level: 'fatal', kind: 'uncaughtException' })
    expect(line.reference).toMatch(/^[0-9a-f]{8}$/)
    expect(stderr).not.toContain('s3cret')
  })
})
