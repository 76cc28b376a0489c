import type { ContextId } from '../domain/handshake/context-id.ts'
import type { OperationName } from '../domain/protocol/messages.ts'
import { err, ok, type Result } from '../domain/shared/result.ts'
import { describeError } from './describe-error.ts'
import type { OperationError } from './operation-error.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import type { MirrorAdmin } from './ports/mirror-admin.port.ts'
import {
  type MirrorDatabase,
  type MirrorDatabaseProvider,
  type MirrorState,
  MirrorStoreError,
} from './ports/mirror-database.port.ts'

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

/**
 * The tenant's mirror and its state, the first step of every operation that touches it: a
 * database that cannot be reached, or that belongs to another tenant, fails the call here with
 * the engine's reason.
 */
export function openMirror(
  mirrors: MirrorDatabaseProvider,
  contextId: ContextId,
): Promise<Result<{ db: MirrorDatabase; state: MirrorState }, OperationError>> {
  return runMirror(undefined, async () => {
    const db = await mirrors.forTenant(contextId)
    return { db, state: await db.readState() }
  })
}

/** Reports an operation's outcome through the LogEvent hook and returns it unchanged. */
export async function reported<T>(
  admin: MirrorAdmin,
  operation: OperationName,
  done: OperationOutcome<T>,
  /** Anything worth saying about a success beyond "succeeded". */
  note?: (value: T) => string | undefined,
): Promise<OperationOutcome<T>> {
  if (!admin.logEvent) return done
  const contextId = done.contextId ?? ''
  const extra = done.result.ok ? note?.(done.result.value) : undefined
  const event = done.result.ok
    ? {
        contextId,
        operation,
        type: 'Information' as const,
        message: `${operation} succeeded${extra ? `; ${extra}` : ''}`,
      }
    : { contextId, operation, type: 'Error' as const, message: describeError(done.result.error) }
  const hook = await runHook('logEvent', () => admin.logEvent?.(event))
  return hook.ok || !done.result.ok ? done : outcome(hook, done.contextId, done.tables, done.rows)
}

export function failed<T>(error: OperationError, contextId?: ContextId): OperationOutcome<T> {
  return outcome(err(error), contextId)
}
