import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { parseXml, type XmlElement } from '../xml/xml-tree.ts'

const PRIVATE_PARTS = ['P', 'Q', 'DP', 'DQ', 'InverseQ', 'D'] as const
const JWK_NAMES: Record<string, string> = {
  Modulus: 'n',
  Exponent: 'e',
  P: 'p',
  Q: 'q',
  DP: 'dp',
  DQ: 'dq',
  InverseQ: 'qi',
  D: 'd',
}

/**
 * Reads the .NET `RSAKeyValue` XML that the SuperOffice Developer Portal hands out (protocol.md
 * §4.2), also inside an `RSAKeyPair` wrapper: big-endian base64 parts, turned into a JWK.
 * Returns a private key when the private parts are present, else a public one.
 */
export function keyFromRsaXml(xml: string): KeyObject {
  const value = findKeyValue(parseXml(xml))
  if (!value) throw new Error('no RSAKeyValue element')
  const part = (name: string) => {
    const text = value.children.find((c) => c.name === name)?.text.replace(/\s+/g, '')
    return text ? Buffer.from(text, 'base64').toString('base64url') : undefined
  }
  const n = part('Modulus')
  const e = part('Exponent')
  if (!n || !e) throw new Error('RSAKeyValue lacks Modulus or Exponent')
  const jwk: Record<string, string> = { kty: 'RSA', n, e }
  const hasPrivate = PRIVATE_PARTS.every((p) => part(p))
  if (!hasPrivate) return createPublicKey({ key: jwk, format: 'jwk' })
  for (const p of PRIVATE_PARTS) jwk[JWK_NAMES[p]!] = part(p)!
  return createPrivateKey({ key: jwk, format: 'jwk' })
}

function findKeyValue(element: XmlElement): XmlElement | undefined {
  if (element.name === 'RSAKeyValue') return element
  for (const c of element.children) {
    const found = findKeyValue(c)
    if (found) return found
  }
  return undefined
}

/** The `RSAKeyValue` XML of a key: public parts only, or all parts for a private key. */
export function rsaXmlFromKey(key: KeyObject, includePrivate: boolean): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>
  const names = includePrivate ? ['Modulus', 'Exponent', ...PRIVATE_PARTS] : ['Modulus', 'Exponent']
  const parts = names.map((name) => {
    const value = jwk[JWK_NAMES[name]!]
    if (!value) throw new Error(`key has no ${name}`)
    return `<${name}>${Buffer.from(value, 'base64url').toString('base64')}</${name}>`
  })
  return `<RSAKeyValue>${parts.join('')}</RSAKeyValue>`
}
