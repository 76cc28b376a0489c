import { describe, expect, it } from 'vitest'
import {
  applicationTokenSigningInput,
  assembleApplicationToken,
  checkApplicationToken,
  parseApplicationToken,
} from '../../src/domain/handshake/signed-application-token.ts'

const sample =
  'BDB65A558F193A8DD88E50E7416C0D86.202109161125.OKNE8l9YOXm4AJRCfzNx4egvU/jTjwii6XU+fM2P6bFjQpYSBi0w4VH0dN82CQdWEkcuGW9yjsLU82za08myMWelFKWvwqIY0oaaTYAPzhj27JNa5OZw3tUc1zunR7DrwpLSkwC3cEK3s3u3VDN8GKoMMeQVOogxS7f1hT3a4/Q='

describe('SignedApplicationToken (protocol.md §4.3)', () => {
  it('signs nonce.yyyyMMddHHmm in UTC', () => {
    expect(applicationTokenSigningInput('ABC', Date.UTC(2021, 8, 16, 11, 25, 59))).toBe('ABC.202109161125')
    expect(applicationTokenSigningInput('ABC', Date.UTC(2021, 0, 2, 3, 4))).toBe('ABC.202101020304')
    expect(assembleApplicationToken('ABC.202101020304', 'c2ln')).toBe('ABC.202101020304.c2ln')
  })

  it('reads the sample reply: nonce, time, 1024-bit signature', () => {
    const parsed = parseApplicationToken(sample)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.value.nonce).toBe('BDB65A558F193A8DD88E50E7416C0D86')
    expect(parsed.value.timestamp).toBe(Date.UTC(2021, 8, 16, 11, 25))
    expect(parsed.value.signingInput).toBe('BDB65A558F193A8DD88E50E7416C0D86.202109161125')
    expect(parsed.value.signature.length).toBe(128)
  })

  it('applies the Mirroring Task checks: same nonce, within 15 minutes', () => {
    const parsed = parseApplicationToken(sample)
    if (!parsed.ok) throw new Error('sample must parse')
    const at = Date.UTC(2021, 8, 16, 11, 30)
    expect(checkApplicationToken(parsed.value, 'BDB65A558F193A8DD88E50E7416C0D86', at).ok).toBe(true)
    expect(checkApplicationToken(parsed.value, 'OTHER', at)).toMatchObject({
      error: { kind: 'ApplicationTokenNonceMismatch' },
    })
    expect(checkApplicationToken(parsed.value, parsed.value.nonce, at + 15 * 60_000)).toMatchObject({
      error: { kind: 'ApplicationTokenStale' },
    })
  })

  it.each(['a.b', 'N.20211301.c2ln', 'N.202113011200.c2ln', 'N.202109161125.***', 'N.202109161125.'])(
    'refuses %j',
    (t) => {
      expect(parseApplicationToken(t).ok).toBe(false)
    },
  )
})
