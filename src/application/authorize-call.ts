import type { HandshakeError } from '../domain/handshake/handshake-error.ts'
import { type TokenPolicy, type VerifiedCall, validateClaims } from '../domain/handshake/token-claims.ts'
import { err, type Result } from '../domain/shared/result.ts'
import type { Clock } from './ports/clock.port.ts'
import type { NonceStore } from './ports/nonce-store.port.ts'
import type { TokenVerifier } from './ports/token-verifier.port.ts'

/**
 * The first step of every operation: the call's own SignedToken is verified (signature, claims,
 * replay), and the tenant comes from it and nothing else (wire-profile §2).
 */
export class AuthorizeCall {
  readonly #verifier: TokenVerifier
  readonly #nonces: NonceStore
  readonly #clock: Clock
  readonly #policy: TokenPolicy

  constructor(verifier: TokenVerifier, nonces: NonceStore, clock: Clock, policy: TokenPolicy) {
    this.#verifier = verifier
    this.#nonces = nonces
    this.#clock = clock
    this.#policy = policy
  }

  async execute(signedToken: string | undefined): Promise<Result<VerifiedCall, HandshakeError>> {
    const call = await this.check(signedToken)
    if (!call.ok) return call
    if (!(await this.#nonces.claim(call.value.nonce, call.value.expiresAt))) return err({ kind: 'TokenNonceReplayed' })
    return call
  }

  /** Signature and claims only: the nonce is left unclaimed, so the same token may still be used. */
  async check(signedToken: string | undefined): Promise<Result<VerifiedCall, HandshakeError>> {
    const token = signedToken?.trim()
    if (!token) return err({ kind: 'TokenMissing' })
    const claims = await this.#verifier.verify(token)
    if (!claims.ok) return claims
    return validateClaims(claims.value, this.#clock.now(), this.#policy)
  }
}
