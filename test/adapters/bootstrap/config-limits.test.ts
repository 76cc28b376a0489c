import { describe, expect, it } from 'vitest'
import { parseServiceConfig } from '../../../src/adapters/bootstrap/config.ts'
import { rawServiceOptions } from '../../../src/adapters/cli/service-options.ts'
import { defaultServiceOptions } from '../../support/service-options.ts'

const required = { clientId: 'app1', privateKey: 'key.pem', superofficeEnv: 'development' }
const defaults = defaultServiceOptions()

function parse(options: Record<string, unknown>) {
  return parseServiceConfig(rawServiceOptions({ ...defaults, ...required, ...options }))
}

describe('memory and time limits of the service', () => {
  it('defaults to a 32 MiB budget of bodies in flight, 60 s to receive a body and 15 s of silence in one', () => {
    const parsed = parse({})
    expect(parsed.ok && parsed.config).toMatchObject({
      maxBodyBytes: 32 * 1024 * 1024,
      maxInflightBytes: 32 * 1024 * 1024,
      bodyTimeoutMs: 60_000,
      idleTimeoutMs: 15_000,
    })
  })

  it('refuses a body limit above the budget: such a call could never be let in', () => {
    expect(parse({ maxBodyBytes: String(64 << 20) })).toEqual({
      ok: false,
      error: `--max-body-bytes (${64 << 20}) must not exceed --max-inflight-bytes (${32 << 20}): a call that large could never be let in`,
    })
    expect(parse({ maxBodyBytes: String(64 << 20), maxInflightBytes: String(128 << 20) }).ok).toBe(true)
  })

  it('names the option of a bad timeout', () => {
    expect(parse({ bodyTimeout: '0' })).toEqual({ ok: false, error: '--body-timeout must be positive' })
    expect(parse({ idleTimeout: 'soon' })).toEqual({ ok: false, error: '--idle-timeout must be a number' })
    expect(parse({ maxInflightBytes: '-1' })).toEqual({ ok: false, error: '--max-inflight-bytes must be positive' })
  })
})
