import { generateKeyPairSync, type KeyObject } from 'node:crypto'

/** Key pairs made once per test process: one plays SuperOffice's federated login, one the partner. */
export interface TestKeys {
  readonly federatedPrivate: KeyObject
  readonly federatedPublic: KeyObject
  readonly partnerPrivate: KeyObject
  readonly partnerPublic: KeyObject
}

let cached: TestKeys | undefined

export function testKeys(): TestKeys {
  if (!cached) {
    const federated = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const partner = generateKeyPairSync('rsa', { modulusLength: 2048 })
    cached = {
      federatedPrivate: federated.privateKey,
      federatedPublic: federated.publicKey,
      partnerPrivate: partner.privateKey,
      partnerPublic: partner.publicKey,
    }
  }
  return cached
}

export async function federatedPublicPem(): Promise<string> {
  return testKeys().federatedPublic.export({ type: 'spki', format: 'pem' }) as string
}
