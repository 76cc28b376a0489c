import { decodeBase64 } from '../shared/base64.ts'
import { err, ok, type Result } from '../shared/result.ts'

/**
 * The Authenticate reply that proves the partner holds its private key (protocol.md §4.3):
 * `nonce + "." + yyyyMMddHHmm (UTC) + "." + base64(RSASSA-PKCS1-v1_5 SHA-256 signature)`.
 * The domain builds and checks the text; signing and verifying bytes happen behind ports.
 */
export function applicationTokenSigningInput(nonce: string, now: number): string {
  return `${nonce}.${formatTimestamp(now)}`
}

export function assembleApplicationToken(signingInput: string, signatureBase64: string): string {
  return `${signingInput}.${signatureBase64}`
}

export function formatTimestamp(epochMs: number): string {
  const d = new Date(epochMs)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${String(d.getUTCFullYear()).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`
}

export interface ParsedApplicationToken {
  readonly nonce: string
  /** Milliseconds since the epoch, from the yyyyMMddHHmm part. */
  readonly timestamp: number
  readonly signingInput: string
  readonly signature: Uint8Array
}

export type ApplicationTokenError =
  | { readonly kind: 'ApplicationTokenMalformed'; readonly reason: string }
  | { readonly kind: 'ApplicationTokenNonceMismatch' }
  | { readonly kind: 'ApplicationTokenStale'; readonly driftMinutes: number }

export function parseApplicationToken(token: string): Result<ParsedApplicationToken, ApplicationTokenError> {
  const parts = token.split('.')
  if (parts.length !== 3)
    return err({ kind: 'ApplicationTokenMalformed', reason: 'expected three dot-separated parts' })
  const [nonce, stamp, signature] = parts as [string, string, string]
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp)
  if (!match) return err({ kind: 'ApplicationTokenMalformed', reason: 'timestamp is not yyyyMMddHHmm' })
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number]
  const timestamp = Date.UTC(y, mo - 1, d, h, mi)
  if (formatTimestamp(timestamp) !== stamp)
    return err({ kind: 'ApplicationTokenMalformed', reason: 'timestamp is not a valid date' })
  const bytes = decodeBase64(signature)
  if (!bytes || bytes.length === 0) return err({ kind: 'ApplicationTokenMalformed', reason: 'signature is not base64' })
  return ok({ nonce, timestamp, signingInput: `${nonce}.${stamp}`, signature: bytes })
}

/** The Mirroring Task's acceptance rules for the reply, short of the signature check (wire-profile §2). */
export function checkApplicationToken(
  token: ParsedApplicationToken,
  expectedNonce: string,
  now: number,
  maxDriftMinutes = 15,
): Result<ParsedApplicationToken, ApplicationTokenError> {
  if (token.nonce !== expectedNonce) return err({ kind: 'ApplicationTokenNonceMismatch' })
  const drift = Math.abs(now - token.timestamp) / 60_000
  if (drift >= maxDriftMinutes) return err({ kind: 'ApplicationTokenStale', driftMinutes: Math.floor(drift) })
  return ok(token)
}
