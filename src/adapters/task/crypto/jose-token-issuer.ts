import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { SignJWT } from 'jose'
import type { TokenIssuer } from '../../../application/task/ports/token-issuer.port.ts'

/**
 * Signs SignedTokens as SuperOffice's federated login does (protocol.md §4.1): RS256, header
 * `{alg, kid, x5t, typ}` in that order, where kid is the certificate's SHA-1 thumbprint in
 * upper-case hex and x5t the same digest in base64url. The client service picks its key by kid.
 */
export class JoseTokenIssuer implements TokenIssuer {
  readonly #key: KeyObject
  readonly #header: { alg: 'RS256'; kid: string; x5t: string; typ: 'JWT' }

  constructor(privateKey: KeyObject, certificate: X509Certificate) {
    if (!certificate.checkPrivateKey(privateKey)) {
      throw new Error('the signing key does not belong to the signing certificate')
    }
    const digest = createHash('sha1').update(certificate.raw).digest()
    this.#key = privateKey
    this.#header = {
      alg: 'RS256',
      kid: digest.toString('hex').toUpperCase(),
      x5t: digest.toString('base64url'),
      typ: 'JWT',
    }
  }

  static fromFiles(keyFile: string, certificateFile: string): JoseTokenIssuer {
    return new JoseTokenIssuer(
      createPrivateKey(readFileSync(keyFile)),
      new X509Certificate(readFileSync(certificateFile)),
    )
  }

  get keyId(): string {
    return this.#header.kid
  }

  async issue(claims: Readonly<Record<string, unknown>>): Promise<string> {
    return new SignJWT({ ...claims }).setProtectedHeader(this.#header).sign(this.#key)
  }
}
