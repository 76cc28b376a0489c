import { createHash, createPrivateKey, type KeyObject, sign, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { TokenIssuer } from '../../../application/task/ports/token-issuer.port.ts'

/** RS256 with a shorter key is refused by the service's verifier (and by jose), so it is refused here first. */
const LEAST_MODULUS_BITS = 2048

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * Signs SignedTokens as SuperOffice's federated login does (protocol.md §4.1): RS256, header
 * `{alg, kid, x5t, typ}` in that order, where kid is the certificate's SHA-1 thumbprint in
 * upper-case hex and x5t the same digest in base64url. The client service picks its key by kid.
 *
 * Signed by node's `crypto.sign`, not jose's SignJWT: the task signs a token for every call, and
 * WebCrypto's job cost 435–473 µs of CPU a token against 322–333 for `crypto.sign` on libuv's
 * pool (262–279 in the calling thread, which would hold the task's event loop for each). The
 * compact form is jose's: the header encoded once, the claims as JSON, both base64url.
 */
export class Rs256TokenIssuer implements TokenIssuer {
  readonly #key: KeyObject
  readonly #kid: string
  readonly #header: string

  constructor(privateKey: KeyObject, certificate: X509Certificate) {
    if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('the signing key is not an RSA key')
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < LEAST_MODULUS_BITS) {
      throw new Error(`the signing key has ${bits} bits; RS256 needs at least ${LEAST_MODULUS_BITS}`)
    }
    if (!certificate.checkPrivateKey(privateKey)) {
      throw new Error('the signing key does not belong to the signing certificate')
    }
    const digest = createHash('sha1').update(certificate.raw).digest()
    this.#key = privateKey
    this.#kid = digest.toString('hex').toUpperCase()
    this.#header = base64url({ alg: 'RS256', kid: this.#kid, x5t: digest.toString('base64url'), typ: 'JWT' })
  }

  static fromFiles(keyFile: string, certificateFile: string): Rs256TokenIssuer {
    return new Rs256TokenIssuer(
      createPrivateKey(readFileSync(keyFile)),
      new X509Certificate(readFileSync(certificateFile)),
    )
  }

  get keyId(): string {
    return this.#kid
  }

  issue(claims: Readonly<Record<string, unknown>>): Promise<string> {
    const input = `${this.#header}.${base64url(claims)}`
    return new Promise((resolve, reject) =>
      sign('sha256', Buffer.from(input), this.#key, (error, signature) =>
        error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`),
      ),
    )
  }
}
