import { err, ok, type Result } from '../shared/result.ts'
import type { HandshakeError } from './handshake-error.ts'

/** A tenant's context identifier, e.g. `Cust12345`; only ever taken from a verified token. */
export type ContextId = string & { readonly __brand: 'ContextId' }

// Strict on purpose: the id names databases and files, so nothing else may reach them (wire-profile §2).
const CONTEXT_ID = /^[A-Za-z0-9_-]{1,64}$/

export function parseContextId(value: unknown): Result<ContextId, HandshakeError> {
  if (typeof value !== 'string' || value.length === 0) return err({ kind: 'ContextIdMissing' })
  if (!CONTEXT_ID.test(value)) return err({ kind: 'ContextIdInvalid', contextId: value })
  return ok(value as ContextId)
}
