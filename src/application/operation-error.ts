import type { ChangeError } from '../domain/changes/change-error.ts'
import type { HandshakeError } from '../domain/handshake/handshake-error.ts'
import type { FailureClass } from './ports/mirror-database.port.ts'

/**
 * Every way an identified operation can fail. Each becomes `IsSuccessful=false` with a one-line
 * `ErrorMessage` (wire-profile §1); the HTTP adapter words them, exhaustively, by `kind`.
 */
export type OperationError =
  | HandshakeError
  | ChangeError
  | { readonly kind: 'MissingElement'; readonly element: string }
  | { readonly kind: 'UnexpectedElement'; readonly container: string; readonly item: string; readonly element: string }
  | { readonly kind: 'TableNotInMirror'; readonly table: string }
  | { readonly kind: 'IdentifierTooLong'; readonly name: string; readonly limit: string }
  | { readonly kind: 'TableInfoMismatch'; readonly table: string; readonly reason: string }
  | {
      readonly kind: 'MirrorWriteFailed'
      readonly table: string | undefined
      readonly classification: FailureClass
      readonly message: string
    }
  | { readonly kind: 'HookFailed'; readonly hook: string; readonly message: string }
  | { readonly kind: 'Internal'; readonly reference: string }
