import { describe, expect, it } from 'vitest'
import { InMemoryMirrorDatabases } from '../../src/adapters/memory/in-memory-mirror-database.ts'
import { PinnedClock } from '../../src/adapters/system/clocks.ts'
import { InMemoryNonceStore } from '../../src/adapters/system/in-memory-nonce-store.ts'
import { AuthorizeCall } from '../../src/application/authorize-call.ts'
import { KeyedMutex } from '../../src/application/keyed-mutex.ts'
import { outcome } from '../../src/application/operation-outcome.ts'
import { MirrorStoreError } from '../../src/application/ports/mirror-database.port.ts'
import { openTenantMirror, tableLockKey, tenantCall } from '../../src/application/tenant-call.ts'
import type { ContextId } from '../../src/domain/handshake/context-id.ts'
import { ok } from '../../src/domain/shared/result.ts'
import { PlainClaimsVerifier, plainToken } from '../../src/testing/plain-claims-verifier.ts'
import { RecordingAdmin } from '../../src/testing/recording-admin.ts'
import { batch, peopleTable } from '../support/envelopes.ts'
import { harness } from './harness.ts'

/** A mutex that remembers every set of keys it was asked for. */
class RecordingMutex extends KeyedMutex {
  readonly taken: string[][] = []

  override run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    this.taken.push([...keys])
    return super.run(keys, work)
  }
}

const CUST1 = 'Cust1' as ContextId

describe('tenantCall', () => {
  function gate() {
    const clock = new PinnedClock(Date.UTC(2026, 0, 1, 12, 0))
    const admin = new RecordingAdmin()
    const authorize = new AuthorizeCall(new PlainClaimsVerifier(), new InMemoryNonceStore(clock, 60), clock, {
      clientId: 'app',
      issuer: 'SuperOffice AS',
      skewSeconds: 60,
    })
    return { admin, authorize, token: () => plainToken('Cust1', clock.now()) }
  }

  it('runs the operation for the tenant the token names and reports its success', async () => {
    const g = gate()
    const seen: string[] = []
    const out = await tenantCall(g, 'Wipe', g.token(), async (call) => {
      seen.push(call.contextId)
      return outcome(ok(undefined), call.contextId, 1)
    })
    expect(seen).toEqual(['Cust1'])
    expect(out).toMatchObject({ result: { ok: true }, contextId: 'Cust1', tables: 1 })
    expect(g.admin.events).toEqual([
      { contextId: 'Cust1', operation: 'Wipe', type: 'Information', message: 'Wipe succeeded' },
    ])
  })

  it('never reaches the operation with a refused token, and reports the refusal', async () => {
    const g = gate()
    let ran = false
    const out = await tenantCall(g, 'RowData', '  ', async (call) => {
      ran = true
      return outcome(ok(undefined), call.contextId)
    })
    expect(ran).toBe(false)
    expect(out).toMatchObject({ result: { ok: false, error: { kind: 'TokenMissing' } }, contextId: undefined })
    expect(g.admin.events).toMatchObject([{ contextId: '', operation: 'RowData', type: 'Error' }])
  })

  it('claims the nonce: the same token is refused the second time', async () => {
    const g = gate()
    const token = g.token()
    const work = async (call: { contextId: ContextId }) => outcome(ok(undefined), call.contextId)
    expect((await tenantCall(g, 'Wipe', token, work)).result.ok).toBe(true)
    expect((await tenantCall(g, 'Wipe', token, work)).result).toMatchObject({ error: { kind: 'TokenNonceReplayed' } })
  })
})

describe('the tenant lock', () => {
  it('has one name per (tenant, table), whatever case the table is written in', () => {
    expect(tableLockKey(CUST1, 'Person')).toBe('Cust1/person')
    expect(tableLockKey(CUST1, 'PERSON')).toBe(tableLockKey(CUST1, 'person'))
    expect(tableLockKey('Cust2' as ContextId, 'person')).not.toBe(tableLockKey(CUST1, 'person'))
  })

  it('is the same key for TableSchema, RowData and Wipe on one table', async () => {
    const locks = new RecordingMutex()
    const h = harness(new InMemoryMirrorDatabases(), locks)
    const schema = await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    expect(schema.result.ok).toBe(true)
    const renamed = { ...peopleTable(), name: 'Person' }
    const rows = await h.rowData.execute({
      signedToken: h.token(),
      clientState: '',
      batches: [batch(renamed, 5, [['[I:1]', 'Ann', '[F:1.5]']])],
    })
    expect(rows.result.ok).toBe(true)
    const wipe = await h.wipe.execute({ signedToken: h.token(), clientState: '', table: 'PERSON' })
    expect(wipe.result.ok).toBe(true)
    expect(locks.taken).toEqual([['Cust1/person'], ['Cust1/person'], ['Cust1/person']])
  })

  it('makes a write wait while another holder has the table', async () => {
    const h = harness()
    await h.tableSchema.execute({ signedToken: h.token(), clientState: '', tables: [peopleTable()] })
    let release!: () => void
    const held = h.locks.run([tableLockKey(CUST1, 'person')], () => new Promise<void>((r) => (release = r)))
    let wiped = false
    const wipe = h.wipe.execute({ signedToken: h.token(), clientState: '', table: 'Person' }).then((out) => {
      wiped = true
      return out
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(wiped).toBe(false)
    release()
    await held
    expect((await wipe).result.ok).toBe(true)
  })
})

describe('openTenantMirror', () => {
  const access = () => ({ mirrors: new InMemoryMirrorDatabases(), locks: new KeyedMutex() })
  const refuse = async (): Promise<never> => {
    throw new MirrorStoreError('disk full', 'transient')
  }

  it('names the table in an engine refusal when the write touched one', async () => {
    const mirror = await openTenantMirror(access(), CUST1)
    if (!mirror.ok) throw new Error('mirror did not open')
    expect(await mirror.value.write(['person'], refuse)).toEqual({
      ok: false,
      error: { kind: 'MirrorWriteFailed', table: 'person', classification: 'transient', message: 'disk full' },
    })
    expect(await mirror.value.write(['person', 'orders'], refuse)).toMatchObject({
      error: { kind: 'MirrorWriteFailed', table: undefined },
    })
  })

  it('leaves anything but an engine refusal thrown', async () => {
    const mirror = await openTenantMirror(access(), CUST1)
    if (!mirror.ok) throw new Error('mirror did not open')
    await expect(
      mirror.value.write(['person'], async () => {
        throw new TypeError('a bug')
      }),
    ).rejects.toThrow('a bug')
  })
})

describe('a screened token', () => {
  /** PlainClaimsVerifier counting its verifications. */
  class CountingVerifier extends PlainClaimsVerifier {
    count = 0
    override verify(token: string) {
      this.count++
      return super.verify(token)
    }
  }

  function gate() {
    const clock = new PinnedClock(Date.UTC(2026, 0, 1, 12, 0))
    const verifier = new CountingVerifier()
    const authorize = new AuthorizeCall(verifier, new InMemoryNonceStore(clock, 60), clock, {
      clientId: 'app',
      issuer: 'SuperOffice AS',
      skewSeconds: 60,
      maxLifetimeSeconds: 3600,
    })
    return { clock, verifier, authorize }
  }

  it("has its signature checked once for the screen and the call's operation, its nonce claimed by the operation", async () => {
    const { clock, verifier, authorize } = gate()
    const token = plainToken('Cust1', clock.now())
    expect((await authorize.screen(` ${token} `)).ok).toBe(true)
    expect(await authorize.execute(token)).toMatchObject({ ok: true, value: { contextId: 'Cust1' } })
    expect(verifier.count).toBe(1)
    // Taken by the operation: the same token again is verified again, and refused as replayed.
    expect(await authorize.execute(token)).toMatchObject({ ok: false, error: { kind: 'TokenNonceReplayed' } })
    expect(verifier.count).toBe(2)
  })

  it('has its claims checked again at the time of the operation', async () => {
    const { clock, authorize } = gate()
    const token = plainToken('Cust1', clock.now(), { exp: Math.floor(clock.now() / 1000) + 30 })
    expect((await authorize.screen(token)).ok).toBe(true)
    clock.set(clock.now() + 5 * 60_000)
    expect(await authorize.execute(token)).toMatchObject({ ok: false, error: { kind: 'TokenExpired' } })
  })

  it('is not kept when refused, and at most 256 are kept', async () => {
    const { clock, verifier, authorize } = gate()
    const refused = plainToken('Cust1', clock.now(), { aud: 'spn:someone-else' })
    expect((await authorize.screen(refused)).ok).toBe(false)
    expect((await authorize.execute(refused)).ok).toBe(false)
    expect(verifier.count).toBe(2)
    const tokens = Array.from({ length: 257 }, () => plainToken('Cust1', clock.now()))
    for (const token of tokens) await authorize.screen(token)
    verifier.count = 0
    expect((await authorize.execute(tokens[0])).ok).toBe(true)
    expect((await authorize.execute(tokens[256])).ok).toBe(true)
    expect(verifier.count).toBe(1)
  })
})
