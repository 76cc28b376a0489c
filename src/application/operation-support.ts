import type { ContextId } from '../domain/handshake/context-id.ts'
import { err, ok, type Result } from '../domain/shared/result.ts'
import type { OperationError } from './operation-error.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { MirrorStoreError } from './ports/mirror-database.port.ts'

/** Runs an integrator hook; a throwing hook fails the call, as in the reference package. */
export async function runHook(hook: string, work: () => unknown): Promise<Result<void, OperationError>> {
  try {
    await work()
    return ok(undefined)
  } catch (error) {
    return err({ kind: 'HookFailed', hook, message: error instanceof Error ? error.message : String(error) })
  }
}

/** Runs a mirror write; a refusal by the engine becomes a value, anything else stays thrown. */
export async function runMirror<T>(
  table: string | undefined,
  work: () => Promise<T>,
): Promise<Result<T, OperationError>> {
  try {
    return ok(await work())
  } catch (error) {
    if (!(error instanceof MirrorStoreError)) throw error
    return err({
      kind: 'MirrorWriteFailed',
      table: error.table ?? table,
      classification: error.classification,
      message: error.message,
    })
  }
}

export function failed<T>(error: OperationError, contextId?: ContextId): OperationOutcome<T> {
  return outcome(err(error), contextId)
}
