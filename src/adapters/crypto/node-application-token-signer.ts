import { type KeyObject, sign } from 'node:crypto'
import type { ApplicationTokenSigner } from '../../application/ports/application-token-signer.port.ts'

/** RSASSA-PKCS1-v1_5 with SHA-256 (node's default RSA padding), standard base64 (protocol.md §4.3). */
export class NodeApplicationTokenSigner implements ApplicationTokenSigner {
  readonly #key: KeyObject

  constructor(key: KeyObject) {
    this.#key = key
  }

  async sign(text: string): Promise<string> {
    return sign('sha256', Buffer.from(text, 'utf8'), this.#key).toString('base64')
  }
}
