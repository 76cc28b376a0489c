import { compactVerify, decodeProtectedHeader, errors } from 'jose'
import type { TokenVerifier } from '../../application/ports/token-verifier.port.ts'
import type { HandshakeError } from '../../domain/handshake/handshake-error.ts'
import { err, ok, type Result } from '../../domain/shared/result.ts'
import type { VerificationKey } from './verification-keys.ts'

type Claims = Readonly<Record<string, unknown>>

/**
 * RS256-only JWS verification with jose (protocol.md §4.1). The algorithm is checked before any
 * key is touched, so `none` and HS256 (even keyed with the public key) are refused; the key is
 * chosen by the token's `kid` (the certificate's SHA-1 thumbprint) when keys have thumbprints.
 */
export class JoseTokenVerifier implements TokenVerifier {
  readonly #keys: readonly VerificationKey[]

  constructor(keys: readonly VerificationKey[]) {
    if (keys.length === 0) throw new Error('at least one federated-login key is required')
    this.#keys = keys
  }

  async verify(token: string): Promise<Result<Claims, HandshakeError>> {
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(token)
    } catch {
      return err({ kind: 'TokenMalformed', reason: 'header is not base64url JSON' })
    }
    if (header.alg !== 'RS256')
      return err({ kind: 'TokenAlgorithmRejected', algorithm: String(header.alg ?? '').slice(0, 20) })
    if (token.split('.').length !== 3) return err({ kind: 'TokenMalformed', reason: 'not a compact JWS' })

    const candidates = this.#candidates(typeof header.kid === 'string' ? header.kid : undefined)
    if (candidates.length === 0) return err({ kind: 'TokenKeyUnknown', keyId: String(header.kid).slice(0, 64) })
    for (const candidate of candidates) {
      const verified = await verifyWith(token, candidate)
      if (verified === 'bad-signature') continue
      return verified
    }
    return err({ kind: 'TokenSignatureInvalid' })
  }

  #candidates(kid: string | undefined): readonly VerificationKey[] {
    if (kid === undefined) return this.#keys
    const byThumbprint = this.#keys.filter((k) => k.thumbprint === kid.toUpperCase())
    if (byThumbprint.length > 0) return byThumbprint
    return this.#keys.filter((k) => k.thumbprint === undefined)
  }
}

async function verifyWith(
  token: string,
  candidate: VerificationKey,
): Promise<Result<Claims, HandshakeError> | 'bad-signature'> {
  try {
    const { payload } = await compactVerify(token, candidate.key, { algorithms: ['RS256'] })
    const claims: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      return err({ kind: 'TokenMalformed', reason: 'payload is not a JSON object' })
    }
    return ok(claims as Claims)
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature'
    if (error instanceof errors.JOSEAlgNotAllowed)
      return err({ kind: 'TokenAlgorithmRejected', algorithm: 'not RS256' })
    return err({
      kind: 'TokenMalformed',
      reason: error instanceof SyntaxError ? 'payload is not JSON' : 'not a valid JWS',
    })
  }
}
