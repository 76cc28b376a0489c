import { createHmac, type KeyObject, sign } from 'node:crypto'
import fc from 'fast-check'
import { federatedPublicPem, testKeys } from '../../support/test-keys.ts'
import { CTX_CLAIM, forgeToken, mintToken, newNonce, TEST_CLIENT_ID } from '../../support/tokens.ts'
import { TENANT } from './hostile-mirror.ts'

/** Ways a SignedToken can be wrong; each must be refused before anything is touched. */
export type TokenFlaw =
  | { readonly flaw: 'expired'; readonly seconds: number }
  | { readonly flaw: 'not-yet-valid'; readonly seconds: number }
  | { readonly flaw: 'long-lived'; readonly seconds: number }
  | { readonly flaw: 'wrong-audience'; readonly audience: unknown }
  | { readonly flaw: 'wrong-issuer'; readonly issuer: unknown }
  | { readonly flaw: 'bad-lifetime'; readonly claims: Record<string, unknown>; readonly omit: readonly string[] }
  | { readonly flaw: 'no-nonce'; readonly nonce: unknown }
  | { readonly flaw: 'alg-none'; readonly signature: string }
  | { readonly flaw: 'hs256-public-pem' }
  | { readonly flaw: 'other-algorithm'; readonly alg: 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'none ' | 'rs256' }
  | { readonly flaw: 'flipped-signature'; readonly at: number; readonly shift: number }
  | { readonly flaw: 'swapped-signature' }
  | { readonly flaw: 'tampered-payload' }
  | { readonly flaw: 'foreign-key' }
  | { readonly flaw: 'signed-non-object'; readonly payload: string }
  | { readonly flaw: 'crit-header' }
  | { readonly flaw: 'garbage'; readonly text: string; readonly repeat: number }
  | { readonly flaw: 'missing'; readonly text: '' | ' ' | '\n\t ' }

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

export const tokenFlaw: fc.Arbitrary<TokenFlaw> = fc.oneof(
  fc.record({ flaw: fc.constant('expired'), seconds: fc.integer({ min: 1, max: 20 * 365 * 86_400 }) }),
  fc.record({ flaw: fc.constant('not-yet-valid'), seconds: fc.integer({ min: 120, max: 20 * 365 * 86_400 }) }),
  // Valid now, but for longer than the hour the service accepts (beyond the 60 s skew).
  fc.record({ flaw: fc.constant('long-lived'), seconds: fc.integer({ min: 3_700, max: 20 * 365 * 86_400 }) }),
  fc.record({
    flaw: fc.constant('wrong-audience'),
    audience: fc.constantFrom<unknown>(
      'spn:someone-else',
      TEST_CLIENT_ID,
      `spn:${TEST_CLIENT_ID} `,
      `spn:${TEST_CLIENT_ID.slice(1)}`,
      `urn:${TEST_CLIENT_ID}`,
      `spn:${TEST_CLIENT_ID}\u0000`,
      ['spn:a', 'spn:b'],
      [],
      42,
      null,
      { aud: `spn:${TEST_CLIENT_ID}` },
    ),
  }),
  fc.record({
    flaw: fc.constantFrom('wrong-issuer'),
    issuer: fc.oneof(
      fc.constantFrom<unknown>(
        'Evil Corp',
        'superoffice as',
        'SuperOffice AS ',
        'SuperOffice\u00a0AS',
        '',
        null,
        42,
        ['SuperOffice AS'],
        "SuperOffice AS'; DROP TABLE person;--",
      ),
      fc.string({ unit: 'binary', maxLength: 300 }).filter((s) => s !== 'SuperOffice AS'),
    ),
  }),
  fc.constantFrom<TokenFlaw>(
    { flaw: 'bad-lifetime', claims: {}, omit: ['exp'] },
    { flaw: 'bad-lifetime', claims: { exp: '9999999999' }, omit: [] },
    { flaw: 'bad-lifetime', claims: { exp: null }, omit: [] },
    { flaw: 'bad-lifetime', claims: { exp: [9999999999] }, omit: [] },
    { flaw: 'bad-lifetime', claims: { nbf: 'yesterday' }, omit: [] },
    { flaw: 'bad-lifetime', claims: { nbf: null }, omit: [] },
    { flaw: 'bad-lifetime', claims: { nbf: {} }, omit: ['exp'] },
  ),
  fc.record({ flaw: fc.constant('no-nonce'), nonce: fc.constantFrom<unknown>(undefined, '', 42, null, ['N'], {}) }),
  fc.record({ flaw: fc.constant('alg-none'), signature: fc.constantFrom('', 'AAAA', 'x') }),
  fc.record({ flaw: fc.constant('hs256-public-pem') }),
  fc.record({
    flaw: fc.constant('other-algorithm'),
    alg: fc.constantFrom('RS384', 'RS512', 'PS256', 'ES256', 'none ', 'rs256'),
  }),
  fc.record({
    flaw: fc.constant('flipped-signature'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    shift: fc.integer({ min: 1, max: 63 }),
  }),
  fc.record({ flaw: fc.constant('swapped-signature') }),
  fc.record({ flaw: fc.constant('tampered-payload') }),
  fc.record({ flaw: fc.constant('foreign-key') }),
  fc.record({
    flaw: fc.constant('signed-non-object'),
    payload: fc.constantFrom('[]', '42', '"token"', 'null', '{', 'not json', '\u00ff\u00fe'),
  }),
  fc.record({ flaw: fc.constant('crit-header') }),
  fc.record({
    flaw: fc.constant('garbage'),
    text: fc.oneof(
      fc.constantFrom('not.a.jwt', 'a.b.c.d', 'eyJhbGciOiJSUzI1NiJ9', 'eyJhbGciOiJSUzI1NiJ9.e30', '...', 'Bearer x'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
      fc.base64String({ minLength: 4, maxLength: 400 }),
    ),
    repeat: fc.constantFrom(1, 1, 1, 50),
  }),
  fc.record({ flaw: fc.constantFrom('missing'), text: fc.constantFrom<'' | ' ' | '\n\t '>('', ' ', '\n\t ') }),
)

const now = () => Math.floor(Date.now() / 1000)

/** The claims mintToken would give, for tokens signed outside jose. */
export function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now()
  return {
    sub: TENANT,
    nonce: newNonce(),
    [CTX_CLAIM]: TENANT,
    nbf: t - 60,
    exp: t + 300,
    iss: 'SuperOffice AS',
    aud: `spn:${TEST_CLIENT_ID}`,
    ...overrides,
  }
}

const part = (value: string) => Buffer.from(value).toString('base64url')

/** A compact JWS over any header and payload text, RS256-signed (RSASSA-PKCS1-v1_5, SHA-256) with `key`. */
export function signCompact(header: Record<string, unknown>, payload: string, key: KeyObject): string {
  const input = `${part(JSON.stringify(header))}.${part(payload)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

/** Makes a token with the flaw, for tenant TENANT; otherwise as SuperOffice would mint it. */
export async function flawedToken(flaw: TokenFlaw): Promise<string> {
  const federated = testKeys().federatedPrivate
  switch (flaw.flaw) {
    case 'expired': {
      const exp = now() - 61 - flaw.seconds
      return mintToken({ claims: { exp, nbf: exp - 360 } })
    }
    case 'not-yet-valid': {
      const nbf = now() + 61 + flaw.seconds
      return mintToken({ claims: { nbf, exp: nbf + 300 } })
    }
    case 'long-lived':
      return mintToken({ claims: { nbf: now() - 60, exp: now() - 60 + flaw.seconds } })
    case 'wrong-audience':
      return mintToken({ claims: { aud: flaw.audience } })
    case 'wrong-issuer':
      return mintToken({ claims: { iss: flaw.issuer } })
    case 'bad-lifetime':
      return mintToken({ claims: flaw.claims, omit: flaw.omit })
    case 'no-nonce':
      return flaw.nonce === undefined ? mintToken({ omit: ['nonce'] }) : mintToken({ claims: { nonce: flaw.nonce } })
    case 'alg-none':
      return forgeToken({ alg: 'none', typ: 'JWT' }, validClaims(), flaw.signature)
    case 'hs256-public-pem': {
      const unsigned = forgeToken({ alg: 'HS256', typ: 'JWT' }, validClaims(), '')
      const mac = createHmac('sha256', await federatedPublicPem())
        .update(unsigned.slice(0, -1))
        .digest('base64url')
      return `${unsigned}${mac}`
    }
    case 'other-algorithm':
      // Signed with the real key: only the algorithm is wrong.
      return signCompact({ alg: flaw.alg, typ: 'JWT' }, JSON.stringify(validClaims()), federated)
    case 'flipped-signature': {
      const token = await mintToken()
      const dot = token.lastIndexOf('.')
      const signature = token.slice(dot + 1)
      // Never the last character: its low bits are padding, and a change there may decode alike.
      const at = Math.min(signature.length - 2, Math.floor(flaw.at * (signature.length - 1)))
      const replaced = BASE64URL[(BASE64URL.indexOf(signature[at]!) + flaw.shift) % 64]!
      return `${token.slice(0, dot + 1)}${signature.slice(0, at)}${replaced}${signature.slice(at + 1)}`
    }
    case 'swapped-signature': {
      const [h, p] = (await mintToken()).split('.')
      return `${h}.${p}.${(await mintToken({ contextId: 'Cust99999' })).split('.')[2]}`
    }
    case 'tampered-payload': {
      const [h, p, s] = (await mintToken()).split('.')
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>
      claims.nonce = newNonce()
      return `${h}.${part(JSON.stringify(claims))}.${s}`
    }
    case 'foreign-key':
      return signCompact({ alg: 'RS256', typ: 'JWT' }, JSON.stringify(validClaims()), testKeys().partnerPrivate)
    case 'signed-non-object':
      return signCompact({ alg: 'RS256', typ: 'JWT' }, flaw.payload, federated)
    case 'crit-header':
      return signCompact(
        { alg: 'RS256', typ: 'JWT', crit: ['x-must-know'], 'x-must-know': true },
        JSON.stringify(validClaims()),
        federated,
      )
    case 'garbage':
      return flaw.text.repeat(flaw.repeat)
    case 'missing':
      return flaw.text
  }
}
