import { err, ok, type Result } from '../shared/result.ts'

/** A partner application as SuperOffice's Operations Center registers it (protocol.md §1.1). */
export interface RegisteredApplication {
  /** The client id (ApplicationIdentifier); tokens carry `aud = spn:<clientId>`. */
  readonly clientId: string
  /** The client secret (ApplicationToken); not used by the mirroring protocol, kept and never shown. */
  readonly clientSecret: string
  readonly name: string
  readonly mirroringEnabled: boolean
  /** The partner's "Database Mirror URL". */
  readonly mirroringUrl: string
  /** The public key that verifies the Authenticate reply: PEM or RSAKeyValue XML. */
  readonly publicKey: string
  /** The SuperOffice environment the application lives in; its federated-login key signs the tokens. */
  readonly environment: string
}

export const CLIENT_ID = /^[A-Za-z0-9_-]{1,128}$/

export function checkClientId(value: string): Result<string, string> {
  return CLIENT_ID.test(value) ? ok(value) : err(`client id '${value.slice(0, 40)}' is not letters, digits, _ and -`)
}

/** Mirroring URLs are absolute http(s) URLs without credentials. */
export function checkMirroringUrl(value: string): Result<string, string> {
  const parsed = /^(https?):\/\/([^/@\s]+)(\/[^\s]*)?$/i.exec(value.trim())
  if (!parsed) return err(`mirroring URL '${value.slice(0, 80)}' is not an http(s) URL without credentials`)
  return ok(value.trim())
}
