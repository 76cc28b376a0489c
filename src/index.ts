/**
 * tenant-mirror as a library: embed the client service, swap its adapters, or use the core
 * with in-memory fakes. The CLI (`tenant-mirror`) is built from the same pieces. Everything of
 * tenant-mirror/core is exported here too; import that entry alone to leave HTTP, the drivers
 * and the container unloaded.
 */

export {
  type DatabaseLocation,
  DEFAULTS,
  type FederatedKeys,
  parseServiceConfig,
  type ServiceConfig,
} from './adapters/bootstrap/config.ts'
export {
  buildContainer,
  createMirroringService,
  type MirroringService,
  type ServiceOverrides,
} from './adapters/bootstrap/container.ts'
export type { ServiceOptions } from './adapters/bootstrap/service-options.ts'
// The Mirroring Task side.
export { parseTaskConfig, type TaskConfig } from './adapters/bootstrap/task-config.ts'
export { createMirroringTask, type MirroringTask, type TaskOverrides } from './adapters/bootstrap/task-container.ts'
export type { CallEvent, CallSummary, FaultSummary } from './adapters/http/call-summary.ts'
export { createHttpApp } from './adapters/http/create-http-app.ts'
export { createServiceApp, type ServiceRoutes } from './adapters/http/routes.ts'
export {
  InMemoryMirrorDatabase,
  InMemoryMirrorDatabases,
  type InMemoryMirrorDatabasesOptions,
} from './adapters/memory/in-memory-mirror-database.ts'
// The dialect registry: a dialect is a folder and one entry; see docs/architecture.md.
export { describeLocation, parseDatabaseLocation } from './adapters/sql/database-location.ts'
export type {
  DialectEntry,
  DialectRegistry,
  MirrorDatabasesOptions,
  TenantLayout,
  TenantNameRules,
} from './adapters/sql/dialect-entry.ts'
export { BUILT_IN_DIALECTS } from './adapters/sql/dialect-registry.ts'
export { type DirectoryDialect, type DirectoryLocation, directoryEntry } from './adapters/sql/directory-entry.ts'
export { openMirrorDatabases } from './adapters/sql/mirror-databases.ts'
export {
  type ResolveConnection,
  RoutedMirrorDatabases,
  type RoutedMirrorDatabasesOptions,
  type TenantConnection,
} from './adapters/sql/routed-mirror-databases.ts'
export { type ServerDialect, type ServerLocation, serverEntry } from './adapters/sql/server-entry.ts'
export type { DialectCapabilities, MirrorDdl, MirrorDml, SqlDialect } from './adapters/sql/sql-dialect.ts'
export { ChangeSources } from './adapters/task/sources/change-sources.ts'
export * from './core.ts'
