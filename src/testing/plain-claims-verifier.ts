import type { TokenVerifier } from '../application/ports/token-verifier.port.ts'
import type { HandshakeError } from '../domain/handshake/handshake-error.ts'
import { err, ok, type Result } from '../domain/shared/result.ts'
import { tokenClaims } from '../domain/task/issued-token.ts'

/**
 * A verifier for tests: the "token" is the claims as JSON, accepted without a signature, so
 * that claim rules, replay and tenancy can be tested without keys. The claims themselves are
 * checked as strictly as a signed token's are.
 */
export class PlainClaimsVerifier implements TokenVerifier {
  async verify(token: string): Promise<Result<Readonly<Record<string, unknown>>, HandshakeError>> {
    try {
      return ok(JSON.parse(token) as Record<string, unknown>)
    } catch {
      return err({ kind: 'TokenMalformed', reason: 'not JSON' })
    }
  }
}

/** The client id plain tokens are issued to unless they say otherwise (`aud: spn:<clientId>`). */
export const PLAIN_CLIENT_ID = 'app'

let counter = 0

/**
 * A token for PlainClaimsVerifier with the claims SuperOffice puts in one, valid at `now`
 * (milliseconds) and with a nonce of its own; `extra` replaces or adds claims.
 */
export function plainToken(contextId: string, now: number, extra: Record<string, unknown> = {}): string {
  counter++
  return JSON.stringify({ ...tokenClaims(contextId, PLAIN_CLIENT_ID, `NONCE${counter}`, now), ...extra })
}
