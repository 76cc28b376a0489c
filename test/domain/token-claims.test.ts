import { describe, expect, it } from 'vitest'
import { parseContextId } from '../../src/domain/handshake/context-id.ts'
import { CONTEXT_ID_CLAIM, validateClaims } from '../../src/domain/handshake/token-claims.ts'

const policy = { clientId: '6cf25376616343b38d14ddcd804f2891', issuer: 'SuperOffice AS', skewSeconds: 60 }
const now = 1_631_861_745_000
const claims = {
  sub: 'Cust24709',
  nonce: 'E1B6717317435F24DD74E1E59E2DBF70',
  [CONTEXT_ID_CLAIM]: 'Cust24709',
  nbf: 1631861744,
  exp: 1631862104,
  iss: 'SuperOffice AS',
  aud: 'spn:6cf25376616343b38d14ddcd804f2891',
}

describe('token claims (wire-profile §2)', () => {
  it('accepts the sample claims and takes the context id from the ctx claim', () => {
    expect(validateClaims(claims, now, policy)).toEqual({
      ok: true,
      value: { contextId: 'Cust24709', nonce: claims.nonce, expiresAt: 1631862104 },
    })
  })

  it('falls back to sub when there is no ctx claim', () => {
    const { [CONTEXT_ID_CLAIM]: _, ...rest } = claims
    expect(validateClaims({ ...rest, sub: 'Cust1' }, now, policy)).toMatchObject({
      ok: true,
      value: { contextId: 'Cust1' },
    })
  })

  it('refuses a token valid for longer than the policy allows (default an hour), counting from nbf, iat or now', () => {
    const seconds = now / 1000
    const tenYears = { nbf: seconds - 60, exp: seconds + 10 * 365 * 86_400 }
    expect(validateClaims({ ...claims, ...tenYears }, now, policy)).toEqual({
      ok: false,
      error: { kind: 'TokenLifetimeTooLong', lifetimeSeconds: 10 * 365 * 86_400 + 60, maxSeconds: 3600 },
    })
    // Within the limit and its skew; and the limit is the policy's.
    expect(validateClaims({ ...claims, nbf: seconds - 60, exp: seconds + 3600 }, now, policy).ok).toBe(true)
    expect(validateClaims({ ...claims, nbf: seconds, exp: seconds + 3661 }, now, policy).ok).toBe(false)
    const strict = { ...policy, maxLifetimeSeconds: 300 }
    expect(validateClaims(claims, now, strict).ok).toBe(true)
    expect(validateClaims({ ...claims, nbf: seconds - 60, exp: seconds + 400 }, now, strict)).toMatchObject({
      error: { kind: 'TokenLifetimeTooLong', lifetimeSeconds: 460, maxSeconds: 300 },
    })
    const { nbf: _, ...withoutNbf } = claims
    expect(validateClaims({ ...withoutNbf, iat: seconds - 4000, exp: seconds + 10 }, now, policy).ok).toBe(false)
    expect(validateClaims({ ...withoutNbf, exp: seconds + 3000 }, now, policy).ok).toBe(true)
    expect(validateClaims({ ...withoutNbf, exp: seconds + 7200 }, now, policy).ok).toBe(false)
  })

  it('counts the lifetime of a token without nbf from now at the latest, whatever its iat says', () => {
    const seconds = now / 1000
    const { nbf: _, ...withoutNbf } = claims
    const decade = seconds + 10 * 365 * 86_400
    expect(validateClaims({ ...withoutNbf, iat: decade, exp: decade }, now, policy)).toEqual({
      ok: false,
      error: { kind: 'TokenLifetimeTooLong', lifetimeSeconds: 10 * 365 * 86_400, maxSeconds: 3600 },
    })
    expect(validateClaims({ ...withoutNbf, iat: seconds + 30, exp: seconds + 390 }, now, policy).ok).toBe(true)
  })

  it('compares the audience without regard to case, and accepts an audience array', () => {
    expect(validateClaims({ ...claims, aud: 'SPN:6CF25376616343B38D14DDCD804F2891' }, now, policy).ok).toBe(true)
    expect(validateClaims({ ...claims, aud: ['other', claims.aud] }, now, policy).ok).toBe(true)
  })

  it.each([
    ['expired beyond the skew', { exp: now / 1000 - 61 }, 'TokenExpired'],
    ['not yet valid beyond the skew', { nbf: now / 1000 + 61 }, 'TokenNotYetValid'],
    ['without exp', { exp: undefined }, 'TokenLifetimeMissing'],
    ['with a text exp', { exp: '1631862104' }, 'TokenLifetimeMissing'],
    ['for another application', { aud: 'spn:someone-else' }, 'TokenAudienceRejected'],
    ['from another issuer', { iss: 'https://sod.superoffice.com' }, 'TokenIssuerRejected'],
    ['without nonce', { nonce: '' }, 'TokenNonceMissing'],
    ['without any context id', { sub: undefined, [CONTEXT_ID_CLAIM]: undefined }, 'ContextIdMissing'],
    ['with a context id naming a path', { [CONTEXT_ID_CLAIM]: '../../etc/passwd' }, 'ContextIdInvalid'],
    ['with a context id with quotes', { [CONTEXT_ID_CLAIM]: "Cust1'; drop database x; --" }, 'ContextIdInvalid'],
    ['with a 65-character context id', { [CONTEXT_ID_CLAIM]: 'C'.repeat(65) }, 'ContextIdInvalid'],
  ])('refuses a token %s', (_, change, kind) => {
    const result = validateClaims({ ...claims, ...change }, now, policy)
    expect(result).toMatchObject({ ok: false, error: { kind } })
  })

  it('allows the configured skew on both ends', () => {
    expect(validateClaims({ ...claims, exp: now / 1000 - 59 }, now, policy).ok).toBe(true)
    expect(validateClaims({ ...claims, nbf: now / 1000 + 59 }, now, policy).ok).toBe(true)
  })

  it('context ids are letters, digits, _ and - only', () => {
    expect(parseContextId('Cust_12-3').ok).toBe(true)
    expect(parseContextId('Cust 1').ok).toBe(false)
    expect(parseContextId('Kunde\u00e9').ok).toBe(false)
    expect(parseContextId(42).ok).toBe(false)
  })
})
