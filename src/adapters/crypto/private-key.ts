import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { keyFromRsaXml } from './rsa-key-xml.ts'

/** Reads the partner's RSA private key from PEM (PKCS#8 or PKCS#1) or .NET RSAKeyValue XML. */
export function loadPrivateKey(file: string): KeyObject {
  const text = readFileSync(file, 'utf8')
  return privateKeyFrom(text, file)
}

export function privateKeyFrom(text: string, label: string): KeyObject {
  if (/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text)) {
    throw new Error(`${label} holds a public key or certificate; the private key is needed`)
  }
  let key: KeyObject
  try {
    key = text.trimStart().startsWith('<') ? keyFromRsaXml(text) : createPrivateKey(text)
  } catch (error) {
    // The key's content must never reach a message: name the file and the kind of problem only.
    throw new Error(`${label} is not a readable RSA private key (PEM or RSAKeyValue XML): ${reason(error)}`)
  }
  if (key.type !== 'private') throw new Error(`${label} holds a public key; the private key is needed`)
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${label} is not an RSA key`)
  return key
}

function reason(error: unknown): string {
  const code = (error as { code?: string })?.code
  return code ?? (error instanceof Error ? error.message.split('\n')[0]!.slice(0, 80) : 'unknown')
}
