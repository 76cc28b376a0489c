import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { addServiceOptions, rawServiceOptions } from '../../src/adapters/cli/service-options.ts'
import { DEFAULTS, parseServiceConfig, type ServiceConfig, type ServiceOptions } from '../../src/index.ts'
import { defaultServiceOptions } from '../support/service-options.ts'

const keys = {
  clientId: 'app1',
  privateKeyFile: 'keys/private.pem',
  federated: { kind: 'environment', environment: 'production' },
} as const

function config(options: Readonly<Record<string, unknown>> | ServiceOptions): ServiceConfig {
  const parsed = parseServiceConfig(options)
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.config
}

/** The configuration `serve` builds from the same required flags and every default of its own. */
function fromCli(flags: Record<string, unknown>): ServiceConfig {
  return config(rawServiceOptions({ ...defaultServiceOptions(), ...flags }))
}

describe('a program configuring the service', () => {
  it('needs only the client id, the keys and the database, named as the issue named them', () => {
    const parsed = parseServiceConfig({
      clientId: 'app1',
      privateKey: 'keys/private.pem',
      federatedCert: ['keys/federated.crt'],
      database: 'memory:',
    })
    expect(parsed).toMatchObject({ ok: true, config: { port: DEFAULTS.port, privateKeyFile: 'keys/private.pem' } })
  })

  it("takes ServiceConfig's own names, and gets exactly what the CLI gets from its defaults", () => {
    const mine = config({ ...keys, database: 'sqlite:./mirrors' })
    const cli = fromCli({
      clientId: 'app1',
      privateKey: 'keys/private.pem',
      superofficeEnv: 'production',
      database: 'sqlite:./mirrors',
    })
    expect(mine).toEqual(cli)
    expect(mine).toMatchObject({
      host: '0.0.0.0',
      path: '/MirroringClientService.svc',
      bodyTimeoutMs: DEFAULTS.bodyTimeoutSeconds * 1000,
      state: 'sqlite:./mirrors/.tenant-mirror/state.sqlite',
      federated: { kind: 'environment', environment: 'production' },
    })
  })

  it('sets any other field under its ServiceConfig name and unit', () => {
    const options: ServiceOptions = {
      clientId: 'app1',
      privateKeyFile: 'keys/private.pem',
      federated: { kind: 'files', files: ['a.crt', 'b.crt'] },
      database: 'postgres://mirror@db/postgres',
      tenantLayout: 'schema',
      port: 0,
      databaseNameTemplate: 't_{contextId}',
      maxContextIdLength: 40,
      clockSkewSeconds: 5,
      maxTokenLifetimeSeconds: 600,
      bodyTimeoutMs: 1_500,
      idleTimeoutMs: 300,
      idleDatabaseMs: 2_500,
      staleAfterMs: 90_000,
      waitForDatabaseMs: 250,
      stateRetention: { days: 2, rowsPerTenant: 10 },
      keyColumns: new Map([['Contact', ['contact_id']]]),
      metricsTenantLabels: false,
      durableCommits: true,
      state: 'memory:',
      logLevel: 'silent',
    }
    expect(config(options)).toMatchObject({
      port: 0,
      database: { kind: 'postgres', layout: 'schema' },
      databaseNameTemplate: 't_{contextId}',
      maxContextIdLength: 40,
      federated: { kind: 'files', files: ['a.crt', 'b.crt'] },
      clockSkewSeconds: 5,
      maxTokenLifetimeSeconds: 600,
      bodyTimeoutMs: 1_500,
      idleTimeoutMs: 300,
      idleDatabaseMs: 2_500,
      staleAfterMs: 90_000,
      waitForDatabaseMs: 250,
      stateRetention: { days: 2, rowsPerTenant: 10 },
      keyColumns: new Map([['contact', ['contact_id']]]),
      metricsTenantLabels: false,
      durableCommits: true,
      state: 'memory:',
      logLevel: 'silent',
    })
  })

  it('gives back the same configuration when a parsed one is parsed again', () => {
    const parsed = [
      fromCli({ clientId: 'app1', privateKey: 'k.pem', superofficeEnv: 'stage' }),
      fromCli({
        clientId: 'app1',
        privateKey: 'k.pem',
        federatedCert: ['f.crt'],
        database: 'mysql://root@db/mysql',
        keyColumns: 'udef=table_id+field_id',
        idleTimeout: '7',
        adminToken: 'a-token-of-sixteen-or-more',
      }),
    ]
    for (const once of parsed) expect(config(once)).toEqual(once)
  })

  it('refuses what the CLI refuses, with its message, and a bad millisecond field by its name', () => {
    expect(parseServiceConfig({ ...keys, database: 'nowhere' })).toEqual({
      ok: false,
      error: "--database 'nowhere' is not sqlite:<dir>, memory:, postgres://…, mysql://… or mssql://…",
    })
    const { database: _, ...noDatabase } = { ...keys, database: 'memory:' }
    expect(parseServiceConfig(noDatabase)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^--database is required/),
    })
    const { clientId: __, ...noClient } = { ...keys, database: 'memory:' }
    expect(parseServiceConfig(noClient)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^--client-id is required/),
    })
    expect(parseServiceConfig({ ...keys, database: 'memory:', bodyTimeoutMs: 0 })).toEqual({
      ok: false,
      error: 'bodyTimeoutMs must be positive',
    })
    expect(parseServiceConfig({ ...keys, database: 'memory:', idleTimeoutMs: 2.5 })).toEqual({
      ok: false,
      error: 'idleTimeoutMs must be whole milliseconds',
    })
    expect(parseServiceConfig({ ...keys, database: 'memory:', maxBodyBytes: 64 << 20 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^--max-body-bytes \(67108864\) must not exceed --max-inflight-bytes/),
    })
    expect(parseServiceConfig({ ...keys, federated: { kind: 'files', files: [] }, database: 'memory:' })).toEqual({
      ok: false,
      error: '--superoffice-env or --federated-cert is required (which certificate signs the tokens)',
    })
  })
})

describe('durable commits on the command line', () => {
  const parse = (args: string[]) => {
    const command = addServiceOptions(new Command('serve')).exitOverride()
    command.parse(['--client-id', 'app1', '--private-key', 'k.pem', '--superoffice-env', 'stage', ...args], {
      from: 'user',
    })
    return fromCli(command.opts()).durableCommits
  }

  it('are off by default, on with --durable-commits or MIRROR_DURABLE_COMMITS', () => {
    expect(parse([])).toBe(false)
    expect(parse(['--durable-commits'])).toBe(true)
    process.env.MIRROR_DURABLE_COMMITS = '1'
    try {
      expect(parse([])).toBe(true)
    } finally {
      delete process.env.MIRROR_DURABLE_COMMITS
    }
  })
})
