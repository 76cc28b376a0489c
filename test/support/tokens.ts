import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { testKeys } from './test-keys.ts'

export const TEST_CLIENT_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
export const CTX_CLAIM = 'http://schemes.superoffice.net/identity/ctx'

export interface TokenOptions {
  readonly contextId?: string
  readonly now?: number
  readonly claims?: Record<string, unknown>
  readonly omit?: readonly string[]
}

export function newNonce(): string {
  return randomBytes(16).toString('hex').toUpperCase()
}

/** A SignedToken as SuperOffice mints it (protocol.md §4.1), signed by the test federated key. */
export async function mintToken(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  const contextId = options.contextId ?? 'Cust12345'
  const claims: Record<string, unknown> = {
    sub: contextId,
    nonce: newNonce(),
    [CTX_CLAIM]: contextId,
    nbf: now - 60,
    exp: now + 300,
    iss: 'SuperOffice AS',
    aud: `spn:${TEST_CLIENT_ID}`,
    ...options.claims,
  }
  for (const name of options.omit ?? []) delete claims[name]
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(testKeys().federatedPrivate)
}

/** A token with the given header and signature bytes: for `alg: none` and HS256 forgeries. */
export function forgeToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature: string,
): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part(header)}.${part(claims)}.${signature}`
}
