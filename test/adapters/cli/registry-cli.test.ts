import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const BIN = new URL('../../../bin/tenant-mirror.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'tm-regcli-'))
const REGISTRY = ['--registry', `sqlite:${join(dir, 'registry.sqlite')}`]
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH } })
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
  })

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
      stderr: 'tenant-mirror: --signing-key is required (the federated-login private key, PEM)\n',
    })
  })
})
