/**
 * tenant-mirror/core: the mirroring protocol's use cases, the ports they talk to and the domain
 * they decide with — no HTTP, no database driver, no logger, no container, no JOSE. An
 * integrator wires these with adapters of their own (or tenant-mirror/testing's fakes); the
 * service (`tenant-mirror`) is these wired with the package's adapters.
 */

// The client service's use cases.
export { ApplyRowData, type RowDataResult, type SupersededBatch } from './application/apply-row-data.ts'
export { Authenticate, SUPPORTED_INTERFACES } from './application/authenticate.ts'
export { AuthorizeCall } from './application/authorize-call.ts'
export { CompleteReplication } from './application/complete-replication.ts'
export { describeError } from './application/describe-error.ts'
export { KeyedMutex } from './application/keyed-mutex.ts'
export type { MirroringDeps } from './application/mirroring-deps.ts'
export type { OperationError } from './application/operation-error.ts'
export type { OperationOutcome } from './application/operation-outcome.ts'
// Their ports.
export type { ApplicationTokenSigner } from './application/ports/application-token-signer.port.ts'
export type { Clock } from './application/ports/clock.port.ts'
export type { Logger } from './application/ports/logger.port.ts'
export type { MirrorAdmin, MirrorEvent, MirrorEventType } from './application/ports/mirror-admin.port.ts'
export {
  type AppliedPlan,
  type BatchOutcome,
  type FailureClass,
  type MirrorDatabase,
  type MirrorDatabaseProvider,
  type MirrorState,
  MirrorStoreError,
  type MirrorTableState,
} from './application/ports/mirror-database.port.ts'
export {
  isMirrorInspector,
  type MirrorInspection,
  MirrorInspectionUnavailable,
  type MirrorInspector,
} from './application/ports/mirror-inspection.port.ts'
export type { NonceStore } from './application/ports/nonce-store.port.ts'
export type { SchemaHasher } from './application/ports/schema-hasher.port.ts'
export type {
  CallRecord,
  PauseFlags,
  Retention,
  SchemaChangeRecord,
  ServiceState,
} from './application/ports/service-state.port.ts'
export type { TokenVerifier } from './application/ports/token-verifier.port.ts'
export { ScreenCall } from './application/screen-call.ts'
export { SyncTableSchemas } from './application/sync-table-schemas.ts'
// The Mirroring Task's use cases and ports.
export type {
  ChangeSource,
  ChangeSourceFactory,
  SourceChange,
  SourceSnapshot,
} from './application/task/ports/change-source.port.ts'
export type { CycleProgress } from './application/task/ports/cycle-progress.port.ts'
export type { CyclePair, CycleQueue } from './application/task/ports/cycle-queue.port.ts'
export type { EventLog, TenantEvent } from './application/task/ports/event-log.port.ts'
export {
  type CallOutcome,
  MirroringCallError,
  type MirroringClient,
  type MirroringClientFactory,
} from './application/task/ports/mirroring-client.port.ts'
export type { Registry } from './application/task/ports/registry.port.ts'
export type { TokenIssuer } from './application/task/ports/token-issuer.port.ts'
export { type CycleDeps, type CycleResult, RunMirroringCycle } from './application/task/run-mirroring-cycle.ts'
export { ScheduleCycles } from './application/task/schedule-cycles.ts'
export { WipeTable } from './application/wipe-table.ts'
// The domain: values, errors and the rules the use cases apply.
export type { CellValue, Row } from './domain/changes/cell-value.ts'
export type { ChangeBatch } from './domain/changes/change-batch.ts'
export type { ChangeError } from './domain/changes/change-error.ts'
export { type Lsn, NO_LSN, type StaleBatchPolicy } from './domain/changes/lsn.ts'
export type { ReplicationSummary } from './domain/changes/replication-summary.ts'
export { type ContextId, parseContextId } from './domain/handshake/context-id.ts'
export type { HandshakeError } from './domain/handshake/handshake-error.ts'
export {
  CONTEXT_ID_CLAIM,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  SUPEROFFICE_ISSUER,
  type TokenPolicy,
  type VerifiedCall,
} from './domain/handshake/token-claims.ts'
export * from './domain/protocol/messages.ts'
export { listRows, wireRows } from './domain/protocol/wire-rows.ts'
export type { SchemaError } from './domain/schema/schema-error.ts'
export { planTable, type SchemaChangeKind, type TablePlan } from './domain/schema/schema-plan.ts'
export {
  buildTableSchema,
  type ColumnSchema,
  type SchemaOptions,
  type TableSchema,
  tableSchemaToWire,
} from './domain/schema/table-schema.ts'
export { type Err, err, type Ok, ok, type Result } from './domain/shared/result.ts'
