import type { TokenVerifier } from '../../src/application/ports/token-verifier.port.ts'
import type { HandshakeError } from '../../src/domain/handshake/handshake-error.ts'
import { err, ok, type Result } from '../../src/domain/shared/result.ts'

/**
 * A verifier for application tests: the "token" is the claims as JSON, so that claim rules,
 * replay and tenancy can be tested without keys. Crypto has its own adapter tests.
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

let counter = 0

export function plainToken(contextId: string, now: number, extra: Record<string, unknown> = {}): string {
  counter++
  return JSON.stringify({
    sub: contextId,
    'http://schemes.superoffice.net/identity/ctx': contextId,
    nonce: `NONCE${counter}`,
    nbf: Math.floor(now / 1000) - 60,
    exp: Math.floor(now / 1000) + 300,
    iss: 'SuperOffice AS',
    aud: 'spn:app',
    ...extra,
  })
}
