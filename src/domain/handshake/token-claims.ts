import { err, ok, type Result } from '../shared/result.ts'
import { type ContextId, parseContextId } from './context-id.ts'
import type { HandshakeError } from './handshake-error.ts'

export const SUPEROFFICE_ISSUER = 'SuperOffice AS'
export const CONTEXT_ID_CLAIM = 'http://schemes.superoffice.net/identity/ctx'

export interface TokenPolicy {
  /** The partner application's client id; the token's `aud` must be `spn:<clientId>`. */
  readonly clientId: string
  readonly issuer: string
  /** Allowed clock difference for `nbf` and `exp`, in seconds. */
  readonly skewSeconds: number
  /**
   * Longest a token may be valid, from `nbf` (without it `iat` or now, the earlier) to `exp`;
   * SuperOffice's live 360 s. A token valid for years is one that a leak keeps useful for years.
   * Default 3600.
   */
  readonly maxLifetimeSeconds?: number
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3600

/** What a verified SignedToken tells a call: who it is for and its one-time nonce. */
export interface VerifiedCall {
  readonly contextId: ContextId
  readonly nonce: string
  /** Seconds since the epoch. */
  readonly expiresAt: number
}

/**
 * Applies wire-profile §2 to the claims of a token whose signature is already verified.
 * `now` is milliseconds since the epoch.
 */
export function validateClaims(
  claims: Readonly<Record<string, unknown>>,
  now: number,
  policy: TokenPolicy,
): Result<VerifiedCall, HandshakeError> {
  const issuer = claims.iss
  if (issuer !== policy.issuer) return err({ kind: 'TokenIssuerRejected', issuer: String(issuer ?? '') })

  const expected = `spn:${policy.clientId}`.toLowerCase()
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (!audiences.some((a) => typeof a === 'string' && a.toLowerCase() === expected)) {
    return err({ kind: 'TokenAudienceRejected', audience: audiences.map((a) => String(a ?? '')).join(',') })
  }

  const nowSeconds = now / 1000
  const { exp, nbf } = claims
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return err({ kind: 'TokenLifetimeMissing' })
  if (exp + policy.skewSeconds <= nowSeconds) return err({ kind: 'TokenExpired', expiredAt: exp })
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) return err({ kind: 'TokenLifetimeMissing' })
    if (nbf - policy.skewSeconds > nowSeconds) return err({ kind: 'TokenNotYetValid', notBefore: nbf })
  }
  const maxSeconds = policy.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
  // Without nbf the token is usable from the moment it was issued; an iat set in the future
  // must not shorten the lifetime counted, so now is the latest start taken.
  const iat = typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? claims.iat : nowSeconds
  const start = typeof nbf === 'number' ? nbf : Math.min(iat, nowSeconds)
  if (exp - start > maxSeconds + policy.skewSeconds) {
    return err({ kind: 'TokenLifetimeTooLong', lifetimeSeconds: Math.round(exp - start), maxSeconds })
  }

  const nonce = claims.nonce
  if (typeof nonce !== 'string' || nonce.length === 0) return err({ kind: 'TokenNonceMissing' })

  const contextId = parseContextId(claims[CONTEXT_ID_CLAIM] ?? claims.sub)
  if (!contextId.ok) return contextId
  return ok({ contextId: contextId.value, nonce, expiresAt: exp })
}
