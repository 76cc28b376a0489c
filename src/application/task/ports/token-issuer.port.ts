/** Signs SignedTokens with the federated-login key: RS256, `kid`/`x5t` of its certificate (protocol.md §4.1). */
export interface TokenIssuer {
  issue(claims: Readonly<Record<string, unknown>>): Promise<string>
}

/** Verifies the partner's Authenticate signature (RSASSA-PKCS1-v1_5 SHA-256) with its registered public key. */
export interface PartnerSignatureVerifier {
  verify(publicKey: string, signingInput: string, signature: Uint8Array): boolean
}

/** 16 random bytes for each token's nonce. */
export interface RandomSource {
  bytes(length: number): Uint8Array
}
