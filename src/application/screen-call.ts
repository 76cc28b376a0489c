import type { OperationName } from '../domain/protocol/messages.ts'
import { ok } from '../domain/shared/result.ts'
import type { AuthorizeCall } from './authorize-call.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed } from './operation-support.ts'
import type { MirrorAdmin } from './ports/mirror-admin.port.ts'
import { reported } from './tenant-call.ts'

/**
 * The gate in front of every operation, run on the SOAP Header before the body is read: a call
 * whose token does not verify is refused (and reported, as the operation itself would have
 * been) without its body ever being parsed. The nonce is not claimed here: the operation claims
 * it, and checks the claims again at its own time (the signature, verified here, is not checked
 * twice).
 */
export class ScreenCall {
  readonly #authorize: AuthorizeCall
  readonly #admin: MirrorAdmin

  constructor(authorize: AuthorizeCall, admin: MirrorAdmin) {
    this.#authorize = authorize
    this.#admin = admin
  }

  async execute(operation: OperationName, signedToken: string | undefined): Promise<OperationOutcome<void>> {
    const call = await this.#authorize.screen(signedToken)
    if (call.ok) return outcome(ok(undefined), call.value.contextId)
    return reported(this.#admin, operation, failed(call.error))
  }
}
