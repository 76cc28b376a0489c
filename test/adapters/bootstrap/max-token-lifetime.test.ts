import { afterEach, describe, expect, it } from 'vitest'
import { parseServiceConfig } from '../../../src/adapters/bootstrap/config.ts'
import { rawServiceOptions } from '../../../src/adapters/cli/service-options.ts'
import { peopleTable, tableSchemaCall } from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { defaultServiceOptions } from '../../support/service-options.ts'
import { testService } from '../../support/test-service.ts'

const required = { clientId: 'app1', privateKey: 'key.pem', superofficeEnv: 'development' }
const parse = (options: Record<string, unknown>) =>
  parseServiceConfig(rawServiceOptions({ ...defaultServiceOptions(), ...required, ...options }))
const seconds = () => Math.floor(Date.now() / 1000)

describe('--max-token-lifetime', () => {
  afterEach(() => {
    delete process.env.MIRROR_MAX_TOKEN_LIFETIME
  })

  it('defaults to an hour, is read from the option or MIRROR_MAX_TOKEN_LIFETIME, and names itself when bad', () => {
    const lifetime = (parsed: ReturnType<typeof parse>) => parsed.ok && parsed.config.maxTokenLifetimeSeconds
    expect(lifetime(parse({}))).toBe(3600)
    expect(lifetime(parse({ maxTokenLifetime: '600' }))).toBe(600)
    process.env.MIRROR_MAX_TOKEN_LIFETIME = '900'
    expect(lifetime(parse({}))).toBe(900)
    expect(parse({ maxTokenLifetime: '0' })).toEqual({ ok: false, error: '--max-token-lifetime must be positive' })
    expect(parse({ maxTokenLifetime: 'forever' })).toEqual({
      ok: false,
      error: '--max-token-lifetime must be a number',
    })
  })

  it('reaches the verifier: a token valid for longer is refused with the reason, before anything is written', async () => {
    const service = await testService({ config: { maxTokenLifetimeSeconds: 300 } })
    const now = seconds()
    const long = await post(
      service.app,
      await tableSchemaCall([peopleTable()], { claims: { nbf: now - 60, exp: now + 400 } }),
    )
    expect(long.successful).toBe(false)
    expect(long.error).toBe('SignedToken is valid for 460 s; at most 300 s is accepted (--max-token-lifetime)')
    // SuperOffice's own: 360 s from nbf, within 300 s and the 60 s clock skew.
    const usual = await post(
      service.app,
      await tableSchemaCall([peopleTable()], { claims: { nbf: now - 60, exp: now + 300 } }),
    )
    expect(usual.error).toBe('')
    expect(usual.successful).toBe(true)
  })

  it('refuses by default a token valid for ten years', async () => {
    const service = await testService()
    const now = seconds()
    const reply = await post(
      service.app,
      await tableSchemaCall([peopleTable()], { claims: { nbf: now - 60, exp: now + 10 * 365 * 86_400 } }),
    )
    expect(reply.successful).toBe(false)
    expect(reply.error).toMatch(/^SignedToken is valid for \d+ s; at most 3600 s is accepted/)
  })
})
