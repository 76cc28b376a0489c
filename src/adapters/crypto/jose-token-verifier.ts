import { verify as verifyRsa } from 'node:crypto'
import { decodeProtectedHeader } from 'jose'
import type { TokenVerifier } from '../../application/ports/token-verifier.port.ts'
import type { HandshakeError } from '../../domain/handshake/handshake-error.ts'
import { err, ok, type Result } from '../../domain/shared/result.ts'
import type { VerificationKey } from './verification-keys.ts'

type Claims = Readonly<Record<string, unknown>>

/** A JWS part: base64url without padding (node's decoder would skip anything else silently). */
const BASE64URL = /^[A-Za-z0-9_-]+$/
/** RS256 keys shorter than this verify nothing (RFC 7518 §3.3), as jose holds too. */
const LEAST_MODULUS = 2048

/**
 * RS256-only compact JWS verification (protocol.md §4.1): jose reads the protected header, node's
 * crypto checks the signature. The algorithm is checked before any key is touched, so `none` and
 * HS256 (even keyed with the public key) are refused; a `crit` header is refused, as no extension
 * is understood; the key is chosen by the token's `kid` (the certificate's SHA-1 thumbprint) when
 * keys have thumbprints. Not jose's compactVerify: its WebCrypto check held the service's event
 * loop 0.2–0.45 ms a call (a job and its promise), node's own verify 0.03.
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
    const parts = token.split('.')
    if (parts.length !== 3) return err({ kind: 'TokenMalformed', reason: 'not a compact JWS' })
    const [protectedHeader, payload, signature] = parts as [string, string, string]
    if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) {
      return err({ kind: 'TokenMalformed', reason: 'not a valid JWS' })
    }
    if (header.crit !== undefined) return err({ kind: 'TokenMalformed', reason: 'crit header not supported' })

    const candidates = this.#candidates(typeof header.kid === 'string' ? header.kid : undefined)
    if (candidates.length === 0) return err({ kind: 'TokenKeyUnknown', keyId: String(header.kid).slice(0, 64) })
    const signed = Buffer.from(`${protectedHeader}.${payload}`, 'latin1')
    const bytes = Buffer.from(signature, 'base64url')
    // Spelt only one way: the decoder drops a last character's spare bits, so another token
    // string would otherwise carry the same signature.
    if (bytes.toString('base64url') !== signature) return err({ kind: 'TokenMalformed', reason: 'not a valid JWS' })
    for (const candidate of candidates) {
      if ((candidate.key.asymmetricKeyDetails?.modulusLength ?? 0) < LEAST_MODULUS) continue
      if (verifyRsa('sha256', signed, candidate.key, bytes)) return claimsOf(payload)
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

function claimsOf(payload: string): Result<Claims, HandshakeError> {
  try {
    const claims: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(payload, 'base64url')),
    )
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      return err({ kind: 'TokenMalformed', reason: 'payload is not a JSON object' })
    }
    return ok(claims as Claims)
  } catch (error) {
    return err({
      kind: 'TokenMalformed',
      reason: error instanceof SyntaxError ? 'payload is not JSON' : 'not a valid JWS',
    })
  }
}
