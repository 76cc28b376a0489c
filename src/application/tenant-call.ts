import type { ContextId } from '../domain/handshake/context-id.ts'
import type { VerifiedCall } from '../domain/handshake/token-claims.ts'
import type { OperationName } from '../domain/protocol/messages.ts'
import { identifierKey } from '../domain/schema/identifier.ts'
import { err, type Result } from '../domain/shared/result.ts'
import type { AuthorizeCall } from './authorize-call.ts'
import { describeError } from './describe-error.ts'
import type { KeyedMutex } from './keyed-mutex.ts'
import type { OperationError } from './operation-error.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed, runHook, runMirror } from './operation-support.ts'
import type { MirrorAdmin } from './ports/mirror-admin.port.ts'
import type {
  MirrorDatabase,
  MirrorDatabaseProvider,
  MirrorState,
  ReadStateOptions,
} from './ports/mirror-database.port.ts'

/** What authorizes and reports a call. */
export interface CallGate {
  readonly authorize: AuthorizeCall
  readonly admin: MirrorAdmin
}

/** What reaches a tenant's mirror and serialises its writes. */
export interface MirrorAccess {
  readonly mirrors: MirrorDatabaseProvider
  readonly locks: KeyedMutex
}

/**
 * The frame of every operation: the call's own token is verified and its nonce claimed, the
 * operation runs for the tenant the token names, and its outcome, failed or not, goes to the
 * LogEvent hook. A refused token never reaches the operation.
 */
export async function tenantCall<T>(
  gate: CallGate,
  operation: OperationName,
  signedToken: string | undefined,
  work: (call: VerifiedCall) => Promise<OperationOutcome<T>>,
  /** Anything worth saying about a success beyond "succeeded". */
  note?: (value: T) => string | undefined,
): Promise<OperationOutcome<T>> {
  const call = await gate.authorize.execute(signedToken)
  const done = call.ok ? await work(call.value) : failed<T>(call.error)
  return reported(gate.admin, operation, done, note)
}

/** Reports an operation's outcome through the LogEvent hook and returns it unchanged. */
export async function reported<T>(
  admin: MirrorAdmin,
  operation: OperationName,
  done: OperationOutcome<T>,
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

/** A tenant's mirror, opened for one call, with the state it held when the call began. */
export interface TenantMirror {
  readonly db: MirrorDatabase
  readonly state: MirrorState
  /**
   * Runs a write while holding the (tenant, table) lock of every table it touches (wire-profile
   * §5); a refusal by the engine becomes a value naming the table when there is only one.
   */
  write<T>(tables: readonly string[], work: (db: MirrorDatabase) => Promise<T>): Promise<Result<T, OperationError>>
}

/**
 * Opens the tenant's mirror and reads its state, the first step of every operation that touches
 * it: a database that cannot be reached, or that belongs to another tenant, fails the call here
 * with the engine's reason. A `screen` refuses the call on what the opened mirror says of itself
 * (its identifier limit) before its state is read, so a refused call creates nothing.
 */
export async function openTenantMirror(
  access: MirrorAccess,
  contextId: ContextId,
  screen?: (db: MirrorDatabase) => OperationError | undefined,
  tables?: readonly string[],
  options?: ReadStateOptions,
): Promise<Result<TenantMirror, OperationError>> {
  const opened = await runMirror(undefined, () => access.mirrors.forTenant(contextId))
  if (!opened.ok) return opened
  const db = opened.value
  const refused = screen?.(db)
  if (refused) return err(refused)
  return runMirror(undefined, async () => {
    const state = await db.readState(tables, options)
    return {
      db,
      state,
      write: (tables, work) =>
        runMirror(tables.length === 1 ? tables[0] : undefined, () =>
          access.locks.run(
            tables.map((table) => tableLockKey(contextId, table)),
            () => work(db),
          ),
        ),
    }
  })
}

/**
 * The name of a (tenant, table) lock, the same in this process and in a database shared by
 * several instances: the context id has no `/`, and table names compare case-insensitively.
 */
export function tableLockKey(contextId: ContextId, table: string): string {
  return `${contextId}/${identifierKey(table)}`
}
