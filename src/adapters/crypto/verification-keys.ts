import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export type SuperOfficeEnvironment = 'development' | 'stage' | 'production'
export const SUPEROFFICE_ENVIRONMENTS: readonly SuperOfficeEnvironment[] = ['development', 'stage', 'production']

/** A key that may sign SignedTokens; `thumbprint` (upper-case SHA-1 hex) matches a token's `kid`. */
export interface VerificationKey {
  readonly key: KeyObject
  readonly thumbprint: string | undefined
  readonly label: string
}

/** The bundled federated-login certificate of a SuperOffice environment (assets/certs). */
export function environmentCertificatePath(environment: SuperOfficeEnvironment): string {
  return fileURLToPath(new URL(`../../../assets/certs/federated-login.${environment}.crt`, import.meta.url))
}

export function loadEnvironmentKey(environment: SuperOfficeEnvironment): VerificationKey {
  return loadVerificationKey(environmentCertificatePath(environment))
}

/** Reads a PEM or DER X.509 certificate, or a PEM public key; the key must be RSA. */
export function loadVerificationKey(file: string): VerificationKey {
  return verificationKeyFrom(readFileSync(file), file)
}

export function verificationKeyFrom(content: Buffer, label: string): VerificationKey {
  const text = content.toString('latin1')
  let key: KeyObject
  let thumbprint: string | undefined
  try {
    if (text.includes('-----BEGIN') && !text.includes('-----BEGIN CERTIFICATE-----')) {
      key = createPublicKey(text)
    } else {
      const certificate = new X509Certificate(content)
      key = certificate.publicKey
      thumbprint = certificate.fingerprint.replaceAll(':', '').toUpperCase()
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 120) : String(error)
    throw new Error(`${label} is not a readable certificate or public key: ${reason}`)
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${label} does not hold an RSA public key`)
  return { key, thumbprint, label }
}
