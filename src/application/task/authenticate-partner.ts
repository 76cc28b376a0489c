import { checkApplicationToken, parseApplicationToken } from '../../domain/handshake/signed-application-token.ts'
import type { RegisteredApplication } from '../../domain/registry/registered-application.ts'
import type { Clock } from '../ports/clock.port.ts'
import type { CallTokens } from './call-tokens.ts'
import { CycleFailure, required } from './cycle-failure.ts'
import type { MirroringClient } from './ports/mirroring-client.port.ts'
import type { PartnerSignatureVerifier } from './ports/token-issuer.port.ts'

/**
 * The handshake (protocol.md §3.2, §4.3): the partner signs the token's nonce with a time
 * stamp; the task checks the same nonce, a stamp within 15 minutes, and the signature with the
 * application's registered public key. Returns whether the partner asked not to replicate now.
 */
export async function authenticatePartner(
  client: MirroringClient,
  tokens: CallTokens,
  app: RegisteredApplication,
  verifier: PartnerSignatureVerifier,
  clock: Clock,
): Promise<{ doNotReplicate: boolean }> {
  const { token, nonce } = await tokens.next()
  const reply = required('Authenticate', await client.authenticate(token))
  const parsed = parseApplicationToken(reply.signedApplicationToken)
  if (!parsed.ok)
    throw new CycleFailure(`Authenticate reply is not a signed application token: ${describe(parsed.error)}`)
  const checked = checkApplicationToken(parsed.value, nonce, clock.now())
  if (!checked.ok) throw new CycleFailure(`Authenticate reply refused: ${describe(checked.error)}`)
  if (!verifier.verify(app.publicKey, parsed.value.signingInput, parsed.value.signature)) {
    throw new CycleFailure(
      "Authenticate reply refused: the signature does not verify with the application's public key",
    )
  }
  return { doNotReplicate: asksNotToReplicate(reply.additionalInformationJson) }
}

function asksNotToReplicate(json: string): boolean {
  if (json.trim() === '') return false
  try {
    const info = JSON.parse(json) as { doNotReplicate?: unknown }
    return info.doNotReplicate === true || String(info.doNotReplicate).toLowerCase() === 'true'
  } catch {
    return false
  }
}

function describe(error: { kind: string; reason?: string; driftMinutes?: number }): string {
  switch (error.kind) {
    case 'ApplicationTokenNonceMismatch':
      return 'it signs another nonce'
    case 'ApplicationTokenStale':
      return `its time stamp is ${error.driftMinutes} minutes off`
    default:
      return error.reason ?? error.kind
  }
}
