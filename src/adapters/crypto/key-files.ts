import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { rsaXmlFromKey } from './rsa-key-xml.ts'

export interface GeneratedKeyFiles {
  readonly privatePem: string
  readonly publicPem: string
  readonly publicXml: string
}

/**
 * A partner key pair: `private.pem` (PKCS#8, readable by the owner only), `public.pem` (SPKI)
 * and `public.xml`, the RSAKeyValue form the SuperOffice Developer Portal takes.
 */
export function generatePartnerKeys(dir: string, modulusLength = 2048): GeneratedKeyFiles {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength })
  mkdirSync(dir, { recursive: true })
  const files = {
    privatePem: join(dir, 'private.pem'),
    publicPem: join(dir, 'public.pem'),
    publicXml: join(dir, 'public.xml'),
  }
  writeFileSync(files.privatePem, pem(privateKey), { mode: 0o600 })
  writeFileSync(files.publicPem, pem(publicKey))
  writeFileSync(files.publicXml, `${rsaXmlFromKey(publicKey, false)}\n`)
  return files
}

export function pem(key: KeyObject): string {
  return key.type === 'private'
    ? (key.export({ type: 'pkcs8', format: 'pem' }) as string)
    : (key.export({ type: 'spki', format: 'pem' }) as string)
}
