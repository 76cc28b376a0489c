import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { join } from 'node:path'
import { privateDir, writePrivateFile } from '../system/private-files.ts'
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
  privateDir(dir)
  const files = partnerKeyFiles(dir)
  writePrivateFile(files.privatePem, pem(privateKey))
  writePrivateFile(files.publicPem, pem(publicKey))
  writePrivateFile(files.publicXml, `${rsaXmlFromKey(publicKey, false)}\n`)
  return files
}

export function partnerKeyFiles(dir: string): GeneratedKeyFiles {
  return {
    privatePem: join(dir, 'private.pem'),
    publicPem: join(dir, 'public.pem'),
    publicXml: join(dir, 'public.xml'),
  }
}

export function pem(key: KeyObject): string {
  return key.type === 'private'
    ? (key.export({ type: 'pkcs8', format: 'pem' }) as string)
    : (key.export({ type: 'spki', format: 'pem' }) as string)
}
