import { CONTEXT_ID_CLAIM, SUPEROFFICE_ISSUER } from '../handshake/token-claims.ts'

/**
 * The claims of a SignedToken as SuperOffice mints one for every call (protocol.md §4.1):
 * `nbf` a minute back, `exp` five minutes ahead, a fresh 32-hex nonce. Signing happens behind
 * a port; `now` is milliseconds since the epoch, `nonce` comes from a random source.
 */
export function tokenClaims(contextId: string, clientId: string, nonce: string, now: number): Record<string, unknown> {
  const seconds = Math.floor(now / 1000)
  return {
    sub: contextId,
    nonce,
    [CONTEXT_ID_CLAIM]: contextId,
    nbf: seconds - 60,
    exp: seconds + 300,
    iss: SUPEROFFICE_ISSUER,
    aud: `spn:${clientId}`,
  }
}

/** 16 random bytes as 32 upper-case hex digits, as SuperOffice's nonces look. */
export function formatNonce(bytes: Uint8Array): string {
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return hex.toUpperCase()
}
