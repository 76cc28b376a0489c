import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type forgeModule from 'node-forge'
import { privateDir, writePrivateFile } from '../../system/private-files.ts'

export interface FederatedKeyFiles {
  /** PKCS#8 PEM, readable by its owner only: `task --signing-key`. */
  readonly privateKey: string
  /** Self-signed X.509 PEM: `task --signing-cert` and the service's `--federated-cert`. */
  readonly certificate: string
}

/**
 * A key pair and self-signed certificate that play SuperOffice's federated-login signing key on
 * one machine. Node can read certificates but not make them, so node-forge builds this one:
 * RSA-2048, SHA-256, ten years.
 */
export function generateFederatedKeys(dir: string, commonName = 'tenant-mirror federated login'): FederatedKeyFiles {
  // Required here, not imported: only `keys generate --federated` and a first `dev` need it.
  const forge = createRequire(import.meta.url)('node-forge') as typeof forgeModule
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string)
  // A positive serial in minimal DER: the first byte between 0x01 and 0x7f, an even number of
  // hex digits (forge pads an odd count with a zero byte, which strict DER readers refuse).
  const serial = randomBytes(16)
  serial[0] = (serial[0]! & 0x7f) | 0x01
  cert.serialNumber = serial.toString('hex')
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000)
  const subject = [{ name: 'commonName', value: commonName }]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true },
  ])
  cert.sign(forge.pki.privateKeyFromPem(privatePem), forge.md.sha256.create())
  privateDir(dir)
  const files = federatedKeyFiles(dir)
  writePrivateFile(files.privateKey, privatePem)
  writePrivateFile(files.certificate, forge.pki.certificateToPem(cert))
  return files
}

export function federatedKeyFiles(dir: string): FederatedKeyFiles {
  return { privateKey: join(dir, 'federated-private.pem'), certificate: join(dir, 'federated.crt') }
}
