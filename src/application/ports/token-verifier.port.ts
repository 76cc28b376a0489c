import type { HandshakeError } from '../../domain/handshake/handshake-error.ts'
import type { Result } from '../../domain/shared/result.ts'

/**
 * Verifies a compact JWS: RS256 only, signed by a configured federated-login key
 * (protocol.md §4.1). Returns the claims untouched; their rules live in the domain.
 */
export interface TokenVerifier {
  verify(token: string): Promise<Result<Readonly<Record<string, unknown>>, HandshakeError>>
}
