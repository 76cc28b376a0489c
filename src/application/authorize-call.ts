import type { HandshakeError } from '../domain/handshake/handshake-error.ts'
import { type TokenPolicy, type VerifiedCall, validateClaims } from '../domain/handshake/token-claims.ts'
import { err, type Result } from '../domain/shared/result.ts'
import type { Clock } from './ports/clock.port.ts'
import type { NonceStore } from './ports/nonce-store.port.ts'
import type { TokenVerifier } from './ports/token-verifier.port.ts'

/** Tokens screened and not yet taken by their operation, at most: a call's screen and operation are moments apart. */
const MOST_SCREENED = 256

/**
 * The first step of every operation: the call's own SignedToken is verified (signature, claims,
 * replay), and the tenant comes from it and nothing else (wire-profile §2).
 */
export class AuthorizeCall {
  readonly #verifier: TokenVerifier
  readonly #nonces: NonceStore
  readonly #clock: Clock
  readonly #policy: TokenPolicy
  /**
   * The claims of tokens whose signature `screen` verified, by the token's exact text, until the
   * call's operation takes them: the same text carries the same signature, so verifying it again
   * (about 70 µs of RSA and JSON a call) could only give the same answer. The claims' rules are
   * applied again, at the operation's time.
   */
  readonly #screened = new Map<string, Readonly<Record<string, unknown>>>()

  constructor(verifier: TokenVerifier, nonces: NonceStore, clock: Clock, policy: TokenPolicy) {
    this.#verifier = verifier
    this.#nonces = nonces
    this.#clock = clock
    this.#policy = policy
  }

  async execute(signedToken: string | undefined): Promise<Result<VerifiedCall, HandshakeError>> {
    const token = signedToken?.trim()
    const screened = token ? this.#screened.get(token) : undefined
    if (screened) this.#screened.delete(token!)
    const call = screened ? validateClaims(screened, this.#clock.now(), this.#policy) : await this.check(token)
    if (!call.ok) return call
    if (!(await this.#nonces.claim(call.value.nonce, call.value.expiresAt))) return err({ kind: 'TokenNonceReplayed' })
    return call
  }

  /** Signature and claims only: the nonce is left unclaimed, so the same token may still be used. */
  async check(signedToken: string | undefined): Promise<Result<VerifiedCall, HandshakeError>> {
    return (await this.#checked(signedToken)).call
  }

  /**
   * `check`, before the body of the call is read; a token that passes is kept for the call's
   * operation (`execute`), which then needs no second signature check.
   */
  async screen(signedToken: string | undefined): Promise<Result<VerifiedCall, HandshakeError>> {
    const { call, token, claims } = await this.#checked(signedToken)
    if (call.ok && token && claims) {
      if (this.#screened.size >= MOST_SCREENED) this.#screened.delete(this.#screened.keys().next().value!)
      this.#screened.set(token, claims)
    }
    return call
  }

  async #checked(signedToken: string | undefined): Promise<{
    call: Result<VerifiedCall, HandshakeError>
    token?: string
    claims?: Readonly<Record<string, unknown>>
  }> {
    const token = signedToken?.trim()
    if (!token) return { call: err({ kind: 'TokenMissing' }) }
    const claims = await this.#verifier.verify(token)
    if (!claims.ok) return { call: claims }
    return { call: validateClaims(claims.value, this.#clock.now(), this.#policy), token, claims: claims.value }
  }
}
