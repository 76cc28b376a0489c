import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto'
import type { PartnerSignatureVerifier, RandomSource } from '../../../application/task/ports/token-issuer.port.ts'
import { keyFromRsaXml } from '../../crypto/rsa-key-xml.ts'

/**
 * Checks the partner's Authenticate signature (RSASSA-PKCS1-v1_5, SHA-256) with the public key
 * the application registered, as PEM (SPKI or PKCS#1) or as the portal's RSAKeyValue XML.
 * A key that cannot be read verifies nothing.
 */
export class NodePartnerSignatureVerifier implements PartnerSignatureVerifier {
  readonly #keys = new Map<string, KeyObject | undefined>()

  verify(publicKey: string, signingInput: string, signature: Uint8Array): boolean {
    const key = this.#key(publicKey)
    if (!key) return false
    try {
      return verify('sha256', Buffer.from(signingInput), key, signature)
    } catch {
      return false
    }
  }

  #key(text: string): KeyObject | undefined {
    if (!this.#keys.has(text)) {
      if (this.#keys.size > 1000) this.#keys.clear()
      this.#keys.set(text, readPublicKey(text))
    }
    return this.#keys.get(text)
  }
}

function readPublicKey(text: string): KeyObject | undefined {
  try {
    if (!text.trimStart().startsWith('<')) return createPublicKey(text)
    const key = keyFromRsaXml(text)
    return key.type === 'public' ? key : createPublicKey(key)
  } catch {
    return undefined
  }
}

export class NodeRandomSource implements RandomSource {
  bytes(length: number): Uint8Array {
    return new Uint8Array(randomBytes(length))
  }
}
