import { applicationTokenSigningInput, assembleApplicationToken } from '../domain/handshake/signed-application-token.ts'
import type { VerifiedCall } from '../domain/handshake/token-claims.ts'
import type { AuthenticateReply, AuthenticateRequest } from '../domain/protocol/messages.ts'
import { ok } from '../domain/shared/result.ts'
import type { AuthorizeCall } from './authorize-call.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed, runHook } from './operation-support.ts'
import type { ApplicationTokenSigner } from './ports/application-token-signer.port.ts'
import type { Clock } from './ports/clock.port.ts'
import type { MirrorAdmin } from './ports/mirror-admin.port.ts'
import { type CallGate, tenantCall } from './tenant-call.ts'

/** The value SuperOffice's samples carry; the only interface version of the protocol. */
export const SUPPORTED_INTERFACES = '1'

/**
 * Authenticate (protocol.md §3.2): proves that this endpoint holds the application's private
 * key by signing the token's nonce with a timestamp. Touches no mirror database.
 */
export class Authenticate {
  readonly #gate: CallGate
  readonly #signer: ApplicationTokenSigner
  readonly #clock: Clock
  readonly #build: string

  constructor(
    authorize: AuthorizeCall,
    signer: ApplicationTokenSigner,
    clock: Clock,
    admin: MirrorAdmin,
    build: string,
  ) {
    this.#gate = { authorize, admin }
    this.#signer = signer
    this.#clock = clock
    this.#build = build
  }

  execute(request: AuthenticateRequest): Promise<OperationOutcome<AuthenticateReply>> {
    return tenantCall(this.#gate, 'Authenticate', request.signedToken, (call) => this.#run(call))
  }

  async #run({ contextId, nonce }: VerifiedCall): Promise<OperationOutcome<AuthenticateReply>> {
    let paused = false
    const hook = await runHook('doNotReplicate', async () => {
      paused = (await this.#gate.admin.doNotReplicate?.(contextId)) === true
    })
    if (!hook.ok) return failed(hook.error, contextId)

    const input = applicationTokenSigningInput(nonce, this.#clock.now())
    const signature = await this.#signer.sign(input)
    return outcome(
      ok({
        signedApplicationToken: assembleApplicationToken(input, signature),
        supportedInterfaces: SUPPORTED_INTERFACES,
        build: this.#build,
        clientState: '',
        additionalInformationJson: paused ? '{"doNotReplicate":"true"}' : '',
      }),
      contextId,
    )
  }
}
