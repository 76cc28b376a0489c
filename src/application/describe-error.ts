import { clip } from '../domain/shared/clip.ts'
import type { OperationError } from './operation-error.ts'

type Messages = { readonly [K in OperationError['kind']]: (error: Extract<OperationError, { kind: K }>) => string }

const iso = (seconds: number) => new Date(seconds * 1000).toISOString()

/**
 * One line per failure kind: it becomes the reply's ErrorMessage, which SuperOffice mails to the
 * partner, and the LogEvent message. It names what was wrong and where, never a secret or a
 * row value (a value that does not fit is described, not quoted in full).
 */
const MESSAGES: Messages = {
  TokenMissing: () => 'SignedToken header is missing or empty',
  TokenMalformed: (e) => `SignedToken is not a valid JWT: ${e.reason}`,
  TokenAlgorithmRejected: (e) => `SignedToken algorithm '${e.algorithm}' is not allowed; only RS256 is accepted`,
  TokenKeyUnknown: (e) =>
    `SignedToken is signed by an unknown key (kid ${e.keyId}); check the federated-login certificate`,
  TokenSignatureInvalid: () => 'SignedToken signature does not verify with the federated-login certificate',
  TokenExpired: (e) => `SignedToken expired at ${iso(e.expiredAt)}`,
  TokenNotYetValid: (e) => `SignedToken is not valid before ${iso(e.notBefore)}`,
  TokenLifetimeMissing: () => 'SignedToken has no valid exp/nbf lifetime',
  TokenLifetimeTooLong: (e) =>
    `SignedToken is valid for ${e.lifetimeSeconds} s; at most ${e.maxSeconds} s is accepted (--max-token-lifetime)`,
  TokenIssuerRejected: (e) => `SignedToken issuer '${clip(e.issuer, 80)}' is not 'SuperOffice AS'`,
  TokenAudienceRejected: (e) =>
    `SignedToken audience '${clip(e.audience, 80)}' is not this application (spn:<client id>)`,
  TokenNonceMissing: () => 'SignedToken has no nonce claim',
  TokenNonceReplayed: () => 'SignedToken nonce was already used (replayed request)',
  ContextIdMissing: () => 'SignedToken has no context id (ctx or sub claim)',
  ContextIdInvalid: (e) =>
    `SignedToken context id '${e.contextId.slice(0, 64)}' has characters outside A-Z, a-z, 0-9, _ and -`,
  InvalidTableName: (e) => `table name ${e.reason}`,
  InvalidColumnName: (e) => `table ${e.table}: column name ${e.reason}`,
  DuplicateTable: (e) => `table ${e.table} appears more than once`,
  DuplicateColumn: (e) => `table ${e.table}: column ${e.column} appears more than once`,
  ReservedTableName: (e) => `table ${e.table} has the name of the mirror's metadata table`,
  NoColumns: (e) => `table ${e.table} has no columns`,
  UnsupportedColumnType: (e) => `table ${e.table}, column ${e.column}: ${e.reason}`,
  InvalidNullability: (e) => `table ${e.table}, column ${e.column}: IsNullable '${e.value}' is not true or false`,
  InvalidDefaultValue: (e) => `table ${e.table}, column ${e.column}: ${e.reason}`,
  InvalidKey: (e) => `table ${e.table}: ${e.reason}`,
  InvalidLsn: (e) => `table ${e.table}: ${e.reason}`,
  ColumnCountMismatch: (e) =>
    `table ${e.table}, row ${e.row}: ${e.actual} values for ${e.expected} columns; nothing of the batch was written`,
  UnknownOperation: (e) => `table ${e.table}, row ${e.row}: operation '${e.operation}' is not I, U or D`,
  ValueDoesNotFit: (e) =>
    `table ${e.table}, row ${e.row}, column ${e.column}: value ${e.reason}; nothing of the batch was written`,
  NullKey: (e) => `table ${e.table}, row ${e.row}: key column ${e.column} is NULL; nothing of the batch was written`,
  InvalidSummary: (e) => `ReplicationSummary for ${e.table}: ${e.reason}`,
  MissingElement: (e) => `request has no ${e.element} element`,
  UnexpectedElement: (e) =>
    `request's ${e.container} holds ${e.element}, which is no ${e.item} of the data contract namespace; nothing was changed`,
  IdentifierTooLong: (e) => `name ${e.name} is longer than the mirror database allows (${e.limit})`,
  TableNotInMirror: (e) => `table ${e.table} is not in the mirror; send TableSchema first`,
  TableInfoMismatch: (e) =>
    `table ${e.table}: TableInfo does not match the mirror's schema (${e.reason}); send TableSchema first`,
  MirrorWriteFailed: (e) =>
    `${e.table ? `table ${e.table}: ` : ''}mirror database refused the write (${e.classification}): ${e.message}`,
  HookFailed: (e) => `integrator hook ${e.hook} failed: ${e.message}`,
  Internal: (e) => `internal error in the mirroring service (reference ${e.reference})`,
}

export function describeError(error: OperationError): string {
  const message = (MESSAGES[error.kind] as (e: OperationError) => string)(error)
  return message.replace(/[\r\n]+/g, ' ')
}
