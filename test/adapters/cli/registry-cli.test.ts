import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRegistry } from '../../../src/adapters/task/store/open-registry.ts'

const run = promisify(execFile)
const BIN = new URL('../../../bin/tenant-mirror.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'tm-regcli-'))
const REGISTRY = ['--registry', `sqlite:${join(dir, 'registry.sqlite')}`]
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A SQLite file with these tables, as a tenant's source. */
function sqliteSource(file: string, ddl: readonly string[]): void {
  const db = new Database(file)
  for (const statement of ddl) db.exec(statement)
  db.close()
}

async function cli(...args: string[]) {
  return cliWithEnv({}, ...args)
}

async function cliWithEnv(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('tenant-mirror apps, tenants and events', () => {
  beforeAll(async () => {
    expect((await cli('keys', 'generate', '--out', join(dir, 'partner'))).code).toBe(0)
    expect((await cli('keys', 'generate', '--federated', '--out', join(dir, 'fed'))).code).toBe(0)
  }, 60_000)

  it('writes the federated-login key and certificate', () => {
    expect(existsSync(join(dir, 'fed', 'federated-private.pem'))).toBe(true)
    expect(existsSync(join(dir, 'fed', 'federated.crt'))).toBe(true)
  })

  it('registers, lists and switches applications, never showing the secret', async () => {
    const add = await cli(
      'apps',
      'add',
      ...REGISTRY,
      '--client-id',
      'app1',
      '--name',
      'Partner',
      '--url',
      'https://partner.example/Mirror.svc',
      '--public-key',
      join(dir, 'partner', 'public.xml'),
      '--secret',
      'TOPSECRET',
    )
    expect(add).toMatchObject({ code: 0, stdout: 'registered app1\n' })
    expect((await cli('apps', 'disable', 'app1', ...REGISTRY)).stdout).toBe('app1: mirroring disabled\n')
    expect((await cli('apps', 'set-url', 'app1', 'https://other.example/M.svc', ...REGISTRY)).code).toBe(0)
    const list = await cli('apps', 'list', '--json', ...REGISTRY)
    expect(JSON.parse(list.stdout)).toMatchObject([
      { clientId: 'app1', mirroringEnabled: false, mirroringUrl: 'https://other.example/M.svc', clientSecret: '***' },
    ])
    expect(list.stdout).not.toContain('TOPSECRET')
    expect((await cli('apps', 'enable', 'app1', ...REGISTRY)).code).toBe(0)
    expect((await cli('apps', 'list', ...REGISTRY)).stdout).toMatch(/app1\s+Partner\s+yes\s+development/)
  })

  it('registers tenants, approvals and preferences', async () => {
    const source = `sqlite:${join(dir, 'src.sqlite')}`
    sqliteSource(join(dir, 'src.sqlite'), ['create table contact (contact_id integer primary key, name text)'])
    expect((await cli('tenants', 'add', ...REGISTRY, '--context-id', 'Cust1', '--source', source)).code).toBe(0)
    expect((await cli('tenants', 'approve', 'Cust1', '--app', 'app1', ...REGISTRY)).stdout).toBe(
      'Cust1 approved app1\n',
    )
    expect((await cli('tenants', 'set-pref', 'Cust1', 'SkipTable', 'sale,project', ...REGISTRY)).code).toBe(0)
    expect((await cli('tenants', 'set-pref', 'Cust1', 'BatchSize', '200000', ...REGISTRY)).code).toBe(0)
    expect(JSON.parse((await cli('tenants', 'list', '--json', ...REGISTRY)).stdout)).toEqual([
      { contextId: 'Cust1', sourceUrl: source, skipTable: ['sale', 'project'], batchSize: 200000, approved: ['app1'] },
    ])
    expect((await cli('tenants', 'revoke', 'Cust1', '--app', 'app1', ...REGISTRY)).code).toBe(0)
    expect((await cli('tenants', 'revoke', 'Cust1', '--app', 'app1', ...REGISTRY)).code).toBe(1)
  }, 60_000)

  it('refuses bad input with one line and exit 2, writing nothing', async () => {
    const bad = await cli('tenants', 'add', ...REGISTRY, '--context-id', "x';drop", '--source', 'sqlite:/x')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^tenant-mirror: context id 'x';drop' is not letters, digits, _ and -\n$/)
    expect((await cli('tenants', 'set-pref', 'Cust1', 'BatchSize', '12', ...REGISTRY)).stderr).toMatch(
      /below the minimum/,
    )
    expect(
      (
        await cli(
          'apps',
          'add',
          ...REGISTRY,
          '--client-id',
          'a2',
          '--name',
          'n',
          '--url',
          'ftp://x',
          '--public-key',
          'x',
        )
      ).code,
    ).toBe(2)
    expect((await cli('apps', 'enable', 'ghost', ...REGISTRY)).stderr).toBe('tenant-mirror: no application ghost\n')
    expect(JSON.parse((await cli('apps', 'list', '--json', ...REGISTRY)).stdout)).toHaveLength(1)
  })

  it('shows an empty event log, and task run names what it lacks', async () => {
    expect((await cli('events', '--tenant', 'Cust1', '--json', ...REGISTRY)).stdout).toBe('[]\n')
    const task = await cli('task', 'run', '--tenant', 'Cust1', '--once', ...REGISTRY)
    expect(task).toMatchObject({
      code: 2,
      stderr: 'tenant-mirror: --signing-key (MIRROR_SIGNING_KEY) is required (the federated-login private key, PEM)\n',
    })
  })

  it('names a signing key or certificate it cannot read by its flag and variable, exit 2, before the registry opens', async () => {
    const key = join(dir, 'fed', 'federated-private.pem')
    const cert = join(dir, 'fed', 'federated.crt')
    const unopened = ['--registry', `sqlite:${join(dir, 'never', 'registry.sqlite')}`]
    const run = (env: Record<string, string>, ...args: string[]) =>
      cliWithEnv(env, 'task', 'run', '--tenant', 'Cust1', '--once', ...unopened, ...args)
    const results = await Promise.all([
      run({ MIRROR_SIGNING_KEY: join(dir, 'nope.pem'), MIRROR_SIGNING_CERT: cert }),
      run({}, '--signing-key', cert, '--signing-cert', cert),
      run({ MIRROR_SIGNING_KEY: key }, '--signing-cert', key),
      cliWithEnv({}, 'task', 'schedule', ...unopened, '--signing-key', key, '--signing-cert', join(dir, 'x.crt')),
      run({ MIRROR_SIGNING_KEY: key, MIRROR_SIGNING_CERT: cert }, '--interval', 'soon'),
      run({ MIRROR_SIGNING_KEY: key, MIRROR_SIGNING_CERT: cert, MIRROR_CALLS_IN_FLIGHT: '9' }),
      run({ MIRROR_SIGNING_KEY: key, MIRROR_SIGNING_CERT: cert }, '--calls-in-flight', '1.5'),
    ])
    expect(results.map((r) => [r.code, r.stderr])).toEqual([
      [2, `tenant-mirror: --signing-key (MIRROR_SIGNING_KEY): cannot read ${join(dir, 'nope.pem')}: no such file\n`],
      [2, `tenant-mirror: --signing-key (MIRROR_SIGNING_KEY): ${cert} is not a readable private key (PEM)\n`],
      [
        2,
        `tenant-mirror: --signing-cert (MIRROR_SIGNING_CERT): ${key} is not a readable X.509 certificate (PEM or DER)\n`,
      ],
      [2, `tenant-mirror: --signing-cert (MIRROR_SIGNING_CERT): cannot read ${join(dir, 'x.crt')}: no such file\n`],
      [2, 'tenant-mirror: --interval (MIRROR_INTERVAL_MINUTES) must be a number\n'],
      [2, 'tenant-mirror: --calls-in-flight (MIRROR_CALLS_IN_FLIGHT) must be at most 8\n'],
      [2, 'tenant-mirror: --calls-in-flight (MIRROR_CALLS_IN_FLIGHT) must be a whole number\n'],
    ])
    expect(existsSync(join(dir, 'never'))).toBe(false)
  }, 60_000)

  it('opens the source of a new tenant and names the tables it will not mirror, those without a primary key', async () => {
    const file = join(dir, 'crm.sqlite')
    sqliteSource(file, [
      'create table contact (contact_id integer primary key, name text)',
      'create table person (person_id integer primary key, contact_id integer)',
      'create table sequence (id integer primary key)',
      'create table import_log (at text, line text)',
      'create table scratch (x)',
    ])
    const add = await cli('tenants', 'add', ...REGISTRY, '--context-id', 'Crm', '--source', `sqlite:${file}`)
    expect(add).toMatchObject({
      code: 0,
      stdout:
        'registered Crm: 2 tables to mirror, 1 left out (SkipTable or never mirrored)\n' +
        'not mirrored (no primary key): import_log, scratch\n',
    })
    const skipped = await cli(
      'tenants',
      'add',
      ...REGISTRY,
      '--context-id',
      'Crm2',
      '--source',
      `sqlite:${file}`,
      '--skip-table',
      'person',
    )
    expect(skipped.stdout.split('\n')[0]).toBe(
      'registered Crm2: 1 table to mirror, 2 left out (SkipTable or never mirrored)',
    )
  }, 60_000)

  it('refuses a source that does not open, naming it: a missing or foreign file exit 2, a server that does not answer exit 1', async () => {
    const missing = join(dir, 'missing.sqlite')
    const notSqlite = join(dir, 'partner', 'public.pem')
    const add = (ctx: string, source: string, ...extra: string[]) =>
      cli('tenants', 'add', ...REGISTRY, '--context-id', ctx, '--source', source, ...extra)
    const results = await Promise.all([
      add('Gone', `sqlite:${missing}`),
      add('Pem', `sqlite:${notSqlite}`),
      add('Far', 'postgres://reader:hunter2@127.0.0.1:1/crm'),
    ])
    expect(results.map((r) => [r.code, r.stderr])).toEqual([
      [2, `tenant-mirror: --source: sqlite source ${missing} does not exist\n`],
      [2, `tenant-mirror: --source: cannot read the tables of sqlite:${notSqlite}: file is not a database\n`],
      [
        1,
        expect.stringMatching(/^tenant-mirror: --source: cannot reach postgres source 127\.0\.0\.1:1\/crm: [^\n]+\n$/),
      ],
    ])
    expect(existsSync(missing)).toBe(false)
    const tenants = JSON.parse((await cli('tenants', 'list', '--json', ...REGISTRY)).stdout) as { contextId: string }[]
    expect(tenants.map((t) => t.contextId)).not.toContain('Gone')
    expect(tenants.map((t) => t.contextId)).not.toContain('Far')
    // A source only the task machines reach is registered unopened when asked.
    const unchecked = await add('Far', 'postgres://reader:hunter2@127.0.0.1:1/crm', '--no-check')
    expect(unchecked).toMatchObject({ code: 0, stdout: 'registered Far\n' })
  }, 60_000)
})

describe('tenant-mirror registry commands, edges', () => {
  const file = join(dir, 'edges.sqlite')
  const AT = ['--registry', `sqlite:${file}`]
  const pem = join(dir, 'edge-key.pem')
  const oneLine = (r: { stderr: string }) => r.stderr.trim().split('\n')
  const addApp = (...extra: string[]) =>
    cli('apps', 'add', ...AT, '--name', 'Edge', '--url', 'http://edge.example/M.svc', '--public-key', pem, ...extra)

  beforeAll(async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }))
    expect((await addApp('--client-id', 'edge', '--environment', 'production', '--disabled')).code).toBe(0)
    const source = 'postgres://reader:hunter2@db.example/crm'
    expect((await cli('tenants', 'add', ...AT, '--context-id', 'Cust7', '--source', source, '--no-check')).code).toBe(0)
  }, 30_000)

  it('generates a secret it never prints, and takes the registry from MIRROR_REGISTRY', async () => {
    const list = await cliWithEnv({ MIRROR_REGISTRY: `sqlite:${file}` }, 'apps', 'list', '--json')
    expect(JSON.parse(list.stdout)).toEqual([
      {
        clientId: 'edge',
        clientSecret: '***',
        name: 'Edge',
        mirroringEnabled: false,
        mirroringUrl: 'http://edge.example/M.svc',
        publicKey: readFileSync(pem, 'utf8').trim(),
        environment: 'production',
      },
    ])
    const registry = await openRegistry(`sqlite:${file}`)
    const secret = (await registry.application('edge'))?.clientSecret ?? ''
    await registry.close()
    expect(secret).toMatch(/^[0-9a-f]{32}$/)
    expect(list.stdout + (await cli('apps', 'list', ...AT)).stdout).not.toContain(secret)
  })

  it('replaces the public key, and masks the source password in tenants list', async () => {
    const xml = join(dir, 'edge-key.xml')
    writeFileSync(xml, '<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>\n')
    expect((await cli('apps', 'set-key', 'edge', xml, ...AT)).stdout).toBe('edge: public key replaced\n')
    expect(JSON.parse((await cli('apps', 'list', '--json', ...AT)).stdout)[0].publicKey).toBe(
      '<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>',
    )
    const tenants = await cli('tenants', 'list', ...AT)
    expect(tenants.stdout).toContain('postgres://reader:***@db.example/crm')
    expect(tenants.stdout).not.toContain('hunter2')
  })

  it('shows the event log newest first with ISO times, limited, one line per entry', async () => {
    const registry = await openRegistry(`sqlite:${file}`)
    await registry.append({
      contextId: 'Cust7',
      clientId: 'edge',
      at: Date.UTC(2026, 0, 2, 3, 4, 5),
      type: 'Information',
      message: 'cycle ok: 3 tables',
    })
    await registry.append({
      contextId: 'Cust7',
      clientId: 'edge',
      at: Date.UTC(2026, 0, 2, 3, 24, 5),
      type: 'Error',
      message: 'RowData failed:\n  disk full',
    })
    await registry.append({
      contextId: 'Cust7',
      clientId: 'edge',
      at: Date.UTC(2026, 0, 2, 3, 44, 5),
      type: 'Information',
      message: 'cycle ok: 0 rows',
    })
    await registry.close()
    const shown = await cli('events', '--tenant', 'Cust7', '--limit', '2', ...AT)
    expect(shown.stdout.split('\n')).toEqual([
      expect.stringMatching(/^TIME\s+TYPE\s+APPLICATION\s+MESSAGE$/),
      expect.stringMatching(/^2026-01-02T03:44:05\.000Z\s+Information\s+edge\s+cycle ok: 0 rows$/),
      expect.stringMatching(/^2026-01-02T03:24:05\.000Z\s+Error\s+edge\s+RowData failed: disk full$/),
      '',
    ])
    const json = JSON.parse((await cli('events', '--tenant', 'Cust7', '--json', ...AT)).stdout)
    expect(json.map((e: { time: string }) => e.time)).toEqual([
      '2026-01-02T03:44:05.000Z',
      '2026-01-02T03:24:05.000Z',
      '2026-01-02T03:04:05.000Z',
    ])
    expect(json[1]).toMatchObject({ type: 'Error', clientId: 'edge', message: 'RowData failed:\n  disk full' })
  })

  it('names unknown tenants and applications in one line with exit 1', async () => {
    const results = await Promise.all([
      addApp('--client-id', 'edge'),
      cli('tenants', 'add', ...AT, '--context-id', 'Cust7', '--source', 'sqlite:/x'),
      cli('tenants', 'approve', 'Cust7', '--app', 'ghost', ...AT),
      cli('tenants', 'approve', 'Ghost', '--app', 'edge', ...AT),
      cli('tenants', 'set-pref', 'Ghost', 'BatchSize', '20000', ...AT),
      cli('apps', 'set-url', 'ghost', 'https://x.example/', ...AT),
      cli('events', '--tenant', 'Ghost', ...AT),
    ])
    expect(results.map((r) => r.code)).toEqual([1, 1, 1, 1, 1, 1, 1])
    expect(results.map((r) => oneLine(r)[0])).toEqual([
      'tenant-mirror: application edge is already registered',
      'tenant-mirror: tenant Cust7 is already registered',
      'tenant-mirror: no application ghost',
      'tenant-mirror: no tenant Ghost',
      'tenant-mirror: no tenant Ghost',
      'tenant-mirror: no application ghost',
      'tenant-mirror: no tenant Ghost',
    ])
    expect(results.every((r) => oneLine(r).length === 1)).toBe(true)
  })

  it('refuses invalid input naming the flag or value, exit 2, changing nothing', async () => {
    const before = (await cli('tenants', 'list', '--json', ...AT)).stdout
    const cases: [string[], string][] = [
      [
        ['apps', 'add', ...AT, '--name', 'x', '--url', 'http://a.example/', '--public-key', pem],
        "required option '--client-id <id>'",
      ],
      [
        ['apps', 'add', ...AT, '--client-id', 'a b', '--name', 'x', '--url', 'http://a.example/', '--public-key', pem],
        '--client-id: client id',
      ],
      [
        ['apps', 'add', ...AT, '--client-id', 'n2', '--name', ' ', '--url', 'http://a.example/', '--public-key', pem],
        '--name must be',
      ],
      [
        [
          'apps',
          'add',
          ...AT,
          '--client-id',
          'n2',
          '--name',
          'x',
          '--url',
          'http://u:p@a.example/',
          '--public-key',
          pem,
        ],
        '--url: mirroring URL',
      ],
      [
        [
          'apps',
          'add',
          ...AT,
          '--client-id',
          'n2',
          '--name',
          'x',
          '--url',
          'http://a.example/',
          '--public-key',
          pem,
          '--environment',
          'pro d',
        ],
        "--environment 'pro d'",
      ],
      [
        [
          'apps',
          'add',
          ...AT,
          '--client-id',
          'n2',
          '--name',
          'x',
          '--url',
          'http://a.example/',
          '--public-key',
          join(dir, 'nope.pem'),
        ],
        `--public-key: cannot read ${join(dir, 'nope.pem')}: no such file`,
      ],
      [
        ['apps', 'add', ...AT, '--client-id', 'n2', '--name', 'x', '--url', 'http://a.example/', '--public-key', file],
        'is not a PEM public key',
      ],
      [['apps', 'set-url', 'edge', 'mailto:x', ...AT], "mirroring URL 'mailto:x'"],
      [['apps', 'enable', 'e;dge', ...AT], "client id 'e;dge'"],
      [['tenants', 'add', ...AT, '--context-id', 'Cust8', '--source', 'oracle://x'], "--source 'oracle://x'"],
      [
        ['tenants', 'add', ...AT, '--context-id', 'Cust8', '--source', 'sqlite:/x', '--batch-size', 'lots'],
        "--batch-size: BatchSize 'lots'",
      ],
      [
        ['tenants', 'add', ...AT, '--context-id', 'Cust8', '--source', 'sqlite:/x', '--skip-table', 'sale,x y'],
        "--skip-table: table name 'x y'",
      ],
      [['tenants', 'set-pref', 'Cust7', 'SkipTable', 'ok,bad-name', ...AT], "SkipTable: table name 'bad-name'"],
      [['tenants', 'set-pref', 'Cust7', 'Colour', 'red', ...AT], "preference 'Colour' is not SkipTable or BatchSize"],
      [['tenants', 'revoke', 'Cust7', '--app', 'a/b', ...AT], "--app: client id 'a/b'"],
      [['tenants', 'approve', '../etc', '--app', 'edge', ...AT], "context id '../etc'"],
      [['events', '--tenant', 'Cust7', '--limit', '0', ...AT], "--limit '0'"],
      [['events', '--tenant', "x'", ...AT], "--tenant 'x''"],
      [['events', '--tenant', 'Cust7', '--registry', 'mysql://x'], "--registry (MIRROR_REGISTRY) 'mysql://x'"],
      [['apps', 'list', '--colour', ...AT], "unknown option '--colour'"],
    ]
    const results = await Promise.all(cases.map(([args]) => cli(...args)))
    results.forEach((result, i) => {
      expect({ args: cases[i]![0], code: result.code }).toEqual({ args: cases[i]![0], code: 2 })
      expect(oneLine(result)).toHaveLength(1)
      expect(result.stderr).toContain(cases[i]![1])
    })
    expect((await cli('tenants', 'list', '--json', ...AT)).stdout).toBe(before)
    expect(JSON.parse((await cli('apps', 'list', '--json', ...AT)).stdout)).toHaveLength(1)
  }, 60_000)

  it('names an unreachable registry without its password', async () => {
    const result = await cli('apps', 'list', '--registry', 'postgres://admin:hunter2@127.0.0.1:1/registry')
    expect(result.code).toBe(1)
    expect(oneLine(result)).toEqual([expect.stringMatching(/^tenant-mirror: cannot open the registry: /)])
    expect(result.stderr).not.toContain('hunter2')
  })
})
