/**
 * tenant-mirror as a library: embed the client service, swap its adapters, or use the core
 * with in-memory fakes. The CLI (`tenant-mirror`) is built from the same pieces.
 */

export { parseServiceConfig, type ServiceConfig } from './adapters/bootstrap/config.ts'
export {
  buildContainer,
  createMirroringService,
  type MirroringService,
  type ServiceOverrides,
} from './adapters/bootstrap/container.ts'
// The Mirroring Task side.
export { parseTaskConfig, type TaskConfig } from './adapters/bootstrap/task-config.ts'
export { createMirroringTask, type MirroringTask, type TaskOverrides } from './adapters/bootstrap/task-container.ts'
export { createHttpApp } from './adapters/http/create-http-app.ts'
export { InMemoryMirrorDatabase, InMemoryMirrorDatabases } from './adapters/memory/in-memory-mirror-database.ts'
export { openMirrorDatabases } from './adapters/sql/mirror-databases.ts'
export { ChangeSources } from './adapters/task/sources/change-sources.ts'
export { ApplyRowData } from './application/apply-row-data.ts'
export { Authenticate } from './application/authenticate.ts'
export { AuthorizeCall } from './application/authorize-call.ts'
export { CompleteReplication } from './application/complete-replication.ts'
export { describeError } from './application/describe-error.ts'
export { KeyedMutex } from './application/keyed-mutex.ts'
export type { MirroringDeps } from './application/mirroring-deps.ts'
export type { OperationError } from './application/operation-error.ts'
export type { OperationOutcome } from './application/operation-outcome.ts'
export type { ApplicationTokenSigner } from './application/ports/application-token-signer.port.ts'
export type { Clock } from './application/ports/clock.port.ts'
export type { Logger } from './application/ports/logger.port.ts'
export type { MirrorAdmin, MirrorEvent, MirrorEventType } from './application/ports/mirror-admin.port.ts'
export {
  type AppliedPlan,
  type MirrorDatabase,
  type MirrorDatabaseProvider,
  type MirrorState,
  MirrorStoreError,
  type MirrorTableState,
} from './application/ports/mirror-database.port.ts'
export type { NonceStore } from './application/ports/nonce-store.port.ts'
export type { SchemaHasher } from './application/ports/schema-hasher.port.ts'
export type { TokenVerifier } from './application/ports/token-verifier.port.ts'
export { SyncTableSchemas } from './application/sync-table-schemas.ts'
export type {
  ChangeSource,
  ChangeSourceFactory,
  SourceChange,
  SourceSnapshot,
} from './application/task/ports/change-source.port.ts'
export type { CycleProgress } from './application/task/ports/cycle-progress.port.ts'
export type { CyclePair, CycleQueue } from './application/task/ports/cycle-queue.port.ts'
export type { EventLog, TenantEvent } from './application/task/ports/event-log.port.ts'
export type { MirroringClient, MirroringClientFactory } from './application/task/ports/mirroring-client.port.ts'
export type { Registry } from './application/task/ports/registry.port.ts'
export { type CycleDeps, type CycleResult, RunMirroringCycle } from './application/task/run-mirroring-cycle.ts'
export { ScheduleCycles } from './application/task/schedule-cycles.ts'
export { WipeTable } from './application/wipe-table.ts'
export type * from './domain/protocol/messages.ts'
