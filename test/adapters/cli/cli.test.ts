import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyFromRsaXml } from '../../../src/adapters/crypto/rsa-key-xml.ts'
import { SAMPLE_CLIENT_ID, samplePath } from '../../support/fixtures.ts'

const run = promisify(execFile)
const BIN = new URL('../../../bin/tenant-mirror.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'tm-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('tenant-mirror keys', () => {
  it('generates an RSA-2048 pair as PEM and as the portal XML, the private key readable by its owner only', async () => {
    const out = join(dir, 'keys')
    const result = await cli(['keys', 'generate', '--out', out])
    expect(result.code).toBe(0)
    expect(statSync(join(out, 'private.pem')).mode & 0o777).toBe(0o600)
    const xml = readFileSync(join(out, 'public.xml'), 'utf8')
    expect(xml).toMatch(/^<RSAKeyValue><Modulus>[A-Za-z0-9+/=]+<\/Modulus><Exponent>AQAB<\/Exponent><\/RSAKeyValue>/)
    expect(keyFromRsaXml(xml).asymmetricKeyDetails?.modulusLength).toBe(2048)
    const converted = await cli(['keys', 'convert', join(out, 'public.xml')])
    expect(converted.stdout).toBe(readFileSync(join(out, 'public.pem'), 'utf8'))
  })

  it('converts a private RSAKeyValue to PEM', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const { rsaXmlFromKey } = await import('../../../src/adapters/crypto/rsa-key-xml.ts')
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    writeFileSync(join(dir, 'private.xml'), rsaXmlFromKey(privateKey, true))
    const converted = await cli(['keys', 'convert', join(dir, 'private.xml')])
    expect(converted.stdout).toBe(privateKey.export({ type: 'pkcs8', format: 'pem' }))
  })
})

describe('tenant-mirror usage errors', () => {
  it('exits 2 with one line for what commander refuses, 0 for help and version', async () => {
    const unknown = await cli(['serve', '--colour'])
    expect(unknown).toMatchObject({ code: 2, stderr: "tenant-mirror: unknown option '--colour'\n" })
    expect((await cli(['keys', 'generate'])).code).toBe(2)
    expect((await cli(['task'])).code).toBe(2)
    expect((await cli(['--version'])).code).toBe(0)
    expect((await cli(['serve', '--help'])).code).toBe(0)
  })

  it('names a key or capture file it cannot read, exit 2', async () => {
    const missing = join(dir, 'nope.xml')
    expect(await cli(['keys', 'convert', missing])).toMatchObject({
      code: 2,
      stderr: `tenant-mirror: cannot read ${missing}: no such file\n`,
    })
    await cli(['keys', 'generate', '--out', join(dir, 'usage-keys')])
    const replay = await cli([
      'replay',
      '--database',
      'memory:',
      '--superoffice-env',
      'development',
      '--client-id',
      SAMPLE_CLIENT_ID,
      '--private-key',
      join(dir, 'usage-keys', 'private.pem'),
      missing,
    ])
    expect(replay).toMatchObject({ code: 2, stderr: `tenant-mirror: cannot read ${missing}: no such file\n` })
  })
})

describe('tenant-mirror serve', () => {
  const keys = join(dir, 'start-keys')
  const key = join(keys, 'private.pem')
  const BLANK = join(dir, 'blank-token')
  beforeAll(async () => {
    expect((await cli(['keys', 'generate', '--out', keys])).code).toBe(0)
    writeFileSync(BLANK, ' \n')
  })

  it.each([
    [[], {}, '--client-id (MIRROR_CLIENT_ID) is required'],
    [['--client-id', 'abc'], {}, '--private-key (MIRROR_PRIVATE_KEY) is required'],
    [
      ['--client-id', 'abc', '--private-key', 'k.pem'],
      {},
      '--superoffice-env (MIRROR_SUPEROFFICE_ENV) or --federated-cert (MIRROR_FEDERATED_CERT) is required',
    ],
    [
      ['--client-id', 'abc', '--private-key', 'k.pem', '--superoffice-env', 'development', '--port', 'eighty'],
      {},
      'tenant-mirror: --port (PORT) must be a number',
    ],
    [
      ['--client-id', 'abc', '--private-key', 'k.pem', '--superoffice-env', 'development'],
      { PORT: '70000' },
      'tenant-mirror: --port (PORT) must be at most 65535',
    ],
    [
      ['--client-id', 'abc', '--private-key', 'k.pem', '--superoffice-env', 'development', '--database', 'oracle://x'],
      {},
      "--database (MIRROR_DATABASE) 'oracle://x' is not sqlite:<dir>, memory:",
    ],
    [
      ['--client-id', 'abc', '--private-key', 'k.pem', '--tenant-layout', 'flat'],
      {},
      "tenant-mirror: option --tenant-layout (MIRROR_TENANT_LAYOUT) argument 'flat' is invalid",
    ],
    [
      ['--client-id', 'abc', '--superoffice-env', 'development'],
      { MIRROR_PRIVATE_KEY: './keys/nope.pem' },
      'tenant-mirror: --private-key (MIRROR_PRIVATE_KEY): cannot read ./keys/nope.pem: no such file',
    ],
    [
      ['--client-id', 'abc', '--private-key', BIN, '--superoffice-env', 'development'],
      {},
      `tenant-mirror: --private-key (MIRROR_PRIVATE_KEY): ${BIN} is not a readable RSA private key`,
    ],
    [
      ['--client-id', 'abc', '--private-key', key, '--federated-cert', join(dir, 'nope.crt')],
      {},
      `tenant-mirror: --federated-cert (MIRROR_FEDERATED_CERT): cannot read ${join(dir, 'nope.crt')}: no such file`,
    ],
    [
      ['--client-id', 'abc', '--private-key', key, '--superoffice-env', 'development'],
      { MIRROR_ADMIN_TOKEN_FILE: join(dir, 'nope-token') },
      `tenant-mirror: --admin-token-file (MIRROR_ADMIN_TOKEN_FILE): cannot read ${join(dir, 'nope-token')}: no such file`,
    ],
    [
      ['--client-id', 'abc', '--private-key', key, '--superoffice-env', 'development', '--admin-token-file', BLANK],
      {},
      `tenant-mirror: --admin-token-file (MIRROR_ADMIN_TOKEN_FILE): ${BLANK} is empty`,
    ],
    [
      ['--admin-token', 'x'.repeat(20), '--admin-token-file', BLANK],
      {},
      'tenant-mirror: option --admin-token-file (MIRROR_ADMIN_TOKEN_FILE) cannot be used with option --admin-token (MIRROR_ADMIN_TOKEN)',
    ],
    [
      ['--client-id', 'abc', '--private-key', key, '--federated-cert', BIN],
      {},
      `tenant-mirror: --federated-cert (MIRROR_FEDERATED_CERT): ${BIN} is not a readable certificate or public key`,
    ],
  ])(
    'stops a configuration error with exit 2 and one line naming the flag and its variable: %j',
    async (args, env, message) => {
      const result = await cli(['serve', ...args], env as Record<string, string>)
      expect(result.code).toBe(2)
      const lines = result.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(message)
    },
  )

  it('stops with exit 2 when its in-flight budget would not fit its V8 heap', async () => {
    const start = ['serve', '--client-id', 'abc', '--private-key', key, '--superoffice-env', 'development']
    const result = await cli([...start, '--database', 'memory:', '--max-inflight-bytes', String(64 * 1024 * 1024)], {
      NODE_OPTIONS: '--max-semi-space-size=8 --max-old-space-size=512',
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /^tenant-mirror: --max-inflight-bytes \(MIRROR_MAX_INFLIGHT_BYTES\) of 64 MB lets calls hold up to about 640 MB of heap, but this process's V8 heap stops at \d+ MB: start node with --max-old-space-size=640 or more, or lower --max-inflight-bytes\n$/,
    )
  })

  it('stops with exit 1 when what it needs at run time is not there: a mirror server, its port', async () => {
    const start = ['serve', '--client-id', 'abc', '--private-key', key, '--superoffice-env', 'development']
    const unreachable = await cli([
      ...start,
      '--database',
      'postgres://tm:secret@127.0.0.1:1/mirrors',
      '--state',
      'memory:',
    ])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/^tenant-mirror: cannot reach the mirror database [^\n]*\n$/)
    expect(unreachable.stderr).not.toContain('secret')
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const port = String((taken.address() as AddressInfo).port)
      const busy = await cli([...start, '--database', 'memory:', '--host', '127.0.0.1', '--port', port])
      expect(busy.code).toBe(1)
      expect(busy.stderr).toContain(`tenant-mirror: cannot listen on 127.0.0.1:${port}`)
    } finally {
      taken.close()
    }
  })

  it('starts from environment variables, serves, and stops cleanly on SIGTERM', async () => {
    await cli(['keys', 'generate', '--out', join(dir, 'serve-keys')])
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        MIRROR_CLIENT_ID: SAMPLE_CLIENT_ID,
        MIRROR_PRIVATE_KEY: join(dir, 'serve-keys', 'private.pem'),
        MIRROR_FEDERATED_CERT: samplePath('../certs/federated-login.stage.crt'),
        MIRROR_DATABASE: `sqlite:${join(dir, 'serve-db')}`,
      },
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 15_000)
      child.stdout.on('data', () => {
        if (output.includes('listening')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    const line = JSON.parse(output.split('\n').find((l) => l.includes('listening'))!)
    expect(line).toMatchObject({
      level: 30,
      service: 'tenant-mirror',
      path: '/MirroringClientService.svc',
      database: expect.stringMatching(/^sqlite:/),
    })
    // A load balancer's health check: HTTP/1.0 without a Host header (HAProxy's httpchk).
    const status = await new Promise<string>((resolve, reject) => {
      let reply = ''
      const socket = connect(line.port, '127.0.0.1', () => socket.write('GET /readyz HTTP/1.0\r\n\r\n'))
      socket.on('data', (chunk) => {
        reply += chunk
      })
      socket.on('end', () => resolve(reply.split('\r\n')[0]!))
      socket.on('error', reject)
    })
    expect(status).toBe('HTTP/1.1 200 OK')
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve))
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
  })
})

describe('tenant-mirror replay', () => {
  it('fails with a non-zero status when a request fails, and says why', async () => {
    await cli(['keys', 'generate', '--out', join(dir, 'replay-keys')])
    const result = await cli([
      'replay',
      '--database',
      'memory:',
      '--superoffice-env',
      'production',
      '--client-id',
      SAMPLE_CLIENT_ID,
      '--private-key',
      join(dir, 'replay-keys', 'private.pem'),
      samplePath('SampleAuthenticateRequest.xml'),
    ])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /^SampleAuthenticateRequest.xml Authenticate Cust10003 IsSuccessful=false SignedToken is signed by an unknown key/,
    )
  })

  it('reads several raw HTTP requests from one capture file', async () => {
    const first = readFileSync(samplePath('TableSchemaRequest1.xml'), 'utf8')
    const second = `POST /x HTTP/1.1\r\nSoapaction: "http://www.superoffice.com/online/mirroring/0.1/IMirroringClientService/Wipe"\r\n\r\n${readFileSync(samplePath('SampleWipeRequest.xml'), 'utf8')}`
    writeFileSync(join(dir, 'two.http'), `${first}\r\n${second}`)
    const result = await cli([
      'replay',
      '--database',
      'memory:',
      '--superoffice-env',
      'development',
      '--client-id',
      SAMPLE_CLIENT_ID,
      '--private-key',
      join(dir, 'replay-keys', 'private.pem'),
      join(dir, 'two.http'),
    ])
    expect(result.stdout.trim().split('\n')).toEqual([
      'two.http#1 TableSchema Cust24709 IsSuccessful=true',
      'two.http#2 Wipe Cust24709 IsSuccessful=true',
    ])
    expect(result.code).toBe(0)
  })
})
