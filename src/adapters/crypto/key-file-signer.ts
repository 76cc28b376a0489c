import type { ApplicationTokenSigner } from '../../application/ports/application-token-signer.port.ts'
import { NodeApplicationTokenSigner } from './node-application-token-signer.ts'
import { loadPrivateKey } from './private-key.ts'

/**
 * Signs with the partner key in a file, read when the first Authenticate is answered: a
 * service embedded with its own verifier, or only writing mirrors, never touches the key.
 * A read that fails is tried again by the next call, so a key put in place later is used.
 */
export class KeyFileSigner implements ApplicationTokenSigner {
  readonly #file: string
  #signer: ApplicationTokenSigner | undefined

  constructor(file: string) {
    this.#file = file
  }

  async sign(text: string): Promise<string> {
    this.#signer ??= new NodeApplicationTokenSigner(loadPrivateKey(this.#file))
    return this.#signer.sign(text)
  }
}
