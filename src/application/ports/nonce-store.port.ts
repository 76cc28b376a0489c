/**
 * Replay guard (protocol.md §4.4): each token nonce is accepted once within its token's
 * lifetime. Several service instances must share one store to guard across them.
 */
export interface NonceStore {
  /** Records the nonce; false when it was already seen. `expiresAt` is in epoch seconds. */
  claim(nonce: string, expiresAt: number): Promise<boolean>
}
