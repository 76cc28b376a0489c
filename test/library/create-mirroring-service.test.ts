import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ApplicationTokenSigner,
  type CallRecord,
  createMirroringService,
  type MirrorDatabaseProvider,
  type MirroringService,
  type ServiceOptions,
  type ServiceState,
} from '../../src/index.ts'
import {
  authenticateCall,
  batch,
  InMemoryMirrorDatabases,
  inMemoryServiceState,
  PinnedClock,
  PLAIN_CLIENT_ID,
  PlainClaimsVerifier,
  peopleTable,
  plainToken,
  rowDataCall,
  type SoapCall,
  tableSchemaCall,
} from '../../src/testing.ts'
import { post } from '../support/http.ts'

const dir = () => mkdtempSync(join(tmpdir(), 'tm-lib-'))

/** The required options, with a key file that does not exist: reading it would fail. */
const required = (privateKeyFile: string): ServiceOptions => ({
  clientId: PLAIN_CLIENT_ID,
  privateKeyFile,
  federated: { kind: 'environment', environment: 'development' },
  database: 'memory:',
  logLevel: 'silent',
})

const services: MirroringService[] = []
afterEach(async () => {
  for (const service of services.splice(0)) await service.close()
})

function started(options: ServiceOptions, overrides: Parameters<typeof createMirroringService>[1]) {
  const service = createMirroringService(options, overrides)
  services.push(service)
  return service
}

const send = (service: MirroringService, call: SoapCall) => post(service.app, call)
const token = () => plainToken('Cust1', Date.now())

describe('createMirroringService from a program', () => {
  it('serves with only the required options, the rest at the defaults, keeping the key unread until Authenticate', async () => {
    const keyFile = join(dir(), 'private.pem')
    const service = started(required(keyFile), { verifier: new PlainClaimsVerifier() })
    await service.ready()
    // Mirrors are written without the partner key.
    expect((await send(service, tableSchemaCall(token(), [peopleTable()]))).successful).toBe(true)
    const rows = await send(service, rowDataCall(token(), [batch(peopleTable(), 5, [['[I:1]', 'Ann', '[F:1.5]']])]))
    expect(rows.successful).toBe(true)
    // Signing needs the key: its absence fails that call, not the service.
    expect((await send(service, authenticateCall(token()))).successful).toBe(false)
    // Once the key is in place, the next Authenticate reads it.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const authenticated = await send(service, authenticateCall(token()))
    expect(authenticated.successful).toBe(true)
    expect(authenticated.field('SignedApplicationToken')).toMatch(/\S+/)
  })

  it('never reads the key when the signer is given', async () => {
    const signed: string[] = []
    const signer: ApplicationTokenSigner = {
      async sign(text) {
        signed.push(text)
        return Buffer.from('a signature').toString('base64')
      },
    }
    const service = started(required(join(dir(), 'absent.pem')), { verifier: new PlainClaimsVerifier(), signer })
    const reply = await send(service, authenticateCall(token()))
    expect(reply.successful).toBe(true)
    expect(signed).toHaveLength(1)
    expect(reply.field('SignedApplicationToken')).toContain(Buffer.from('a signature').toString('base64'))
  })

  it('gives the dashboard the inspector passed, else the provider when it is one, else none', async () => {
    const verifier = new PlainClaimsVerifier()
    const options = { ...required('k.pem'), adminToken: 'admin-token-0123456789abcdef' }
    const builtIn = started(options, { verifier })
    expect(builtIn.inspector).toBe(builtIn.mirrors)
    // A wrapper that forwards only the narrow MirrorDatabase, its inspection taken from the inner adapter.
    const inner = new InMemoryMirrorDatabases()
    const narrow: MirrorDatabaseProvider = { forTenant: (ctx) => inner.forTenant(ctx), close: async () => {} }
    expect(started(options, { verifier, mirrors: narrow }).inspector).toBeUndefined()
    const service = started(options, { verifier, mirrors: narrow, inspector: inner })
    expect(service.inspector).toBe(inner)
    await send(service, tableSchemaCall(token(), [peopleTable()]))
    await service.flush()
    const resync = await service.app.request('/admin/api/tenants/Cust1/tables/person/resync', {
      method: 'POST',
      headers: { authorization: `Bearer ${options.adminToken}` },
    })
    expect(resync.status).toBe(200)
    expect(await resync.json()).toEqual({ contextId: 'Cust1', table: 'person', lsn: -1 })
  })

  it("refuses options the CLI would refuse, with the CLI's message", () => {
    expect(() => createMirroringService({ ...required('k.pem'), database: 'nowhere' })).toThrow(
      "--database 'nowhere' is not sqlite:<dir>, memory:, postgres://…, mysql://… or mssql://…",
    )
    expect(() => createMirroringService({ ...required('k.pem'), maxXmlDepth: 0 })).toThrow(
      '--max-xml-depth must be positive',
    )
  })

  it('close() writes the calls still to be recorded, then closes the state store and the mirrors', async () => {
    const order: string[] = []
    const recorded: CallRecord[] = []
    const state = watched(inMemoryServiceState(new PinnedClock(Date.now())), order, recorded)
    const mirrors = new InMemoryMirrorDatabases()
    const closeMirrors = mirrors.close.bind(mirrors)
    mirrors.close = async () => {
      order.push('mirrors closed')
      await closeMirrors()
    }
    const service = createMirroringService(required('k.pem'), { verifier: new PlainClaimsVerifier(), state, mirrors })
    await service.ready()
    await send(service, tableSchemaCall(token(), [peopleTable()]))
    await send(service, rowDataCall(token(), [batch(peopleTable(), 1, [['[I:1]', 'Ann', null]])]))
    await send(service, rowDataCall('not a token', []))
    await service.close()
    expect(recorded.map((call) => [call.operation, call.outcome])).toEqual([
      ['TableSchema', 'ok'],
      ['RowData', 'ok'],
      ['RowData', 'failed'],
    ])
    expect(order.at(-2)).toBe('state closed')
    expect(order.at(-1)).toBe('mirrors closed')
    expect(order.indexOf('calls recorded')).toBeLessThan(order.indexOf('state closed'))
  })
})

/** The state store with its writes and closing noted, in order. */
function watched(state: ServiceState, order: string[], recorded: CallRecord[]): ServiceState {
  return new Proxy(state, {
    get(target, name) {
      if (name === 'recordCalls') {
        return async (calls: readonly CallRecord[]) => {
          await target.recordCalls(calls)
          recorded.push(...calls)
          order.push('calls recorded')
        }
      }
      if (name === 'close') {
        return async () => {
          await target.close()
          order.push('state closed')
        }
      }
      const value = Reflect.get(target, name)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
