import { formatNonce, tokenClaims } from '../../domain/task/issued-token.ts'
import type { Clock } from '../ports/clock.port.ts'
import type { RandomSource, TokenIssuer } from './ports/token-issuer.port.ts'

/** A fresh SignedToken for every call of a cycle, with its nonce. */
export class CallTokens {
  readonly #issuer: TokenIssuer
  readonly #random: RandomSource
  readonly #clock: Clock
  readonly #contextId: string
  readonly #clientId: string

  constructor(issuer: TokenIssuer, random: RandomSource, clock: Clock, contextId: string, clientId: string) {
    this.#issuer = issuer
    this.#random = random
    this.#clock = clock
    this.#contextId = contextId
    this.#clientId = clientId
  }

  async next(): Promise<{ token: string; nonce: string }> {
    const nonce = formatNonce(this.#random.bytes(16))
    const token = await this.#issuer.issue(tokenClaims(this.#contextId, this.#clientId, nonce, this.#clock.now()))
    return { token, nonce }
  }

  async token(): Promise<string> {
    return (await this.next()).token
  }
}
