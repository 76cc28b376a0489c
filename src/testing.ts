/**
 * tenant-mirror/testing: what a test of an integration needs and would otherwise write again —
 * working in-memory adapters, a pinned clock, a verifier that takes plain claims without a
 * signature, recording hooks and logger, a harness that sends the five operations through the
 * use cases, and the SOAP requests the Mirroring Task posts. Not for production: nothing here
 * checks a signature. The MirrorDatabase contract suite, a vitest suite, is exported on its own
 * (tenant-mirror/testing/mirror-database-contract).
 */

export {
  InMemoryMirrorDatabase,
  InMemoryMirrorDatabases,
  type InMemoryMirrorDatabasesOptions,
} from './adapters/memory/in-memory-mirror-database.ts'
export { ACTION_PREFIX, NS, operationOfAction, soapActionOf } from './adapters/soap/namespaces.ts'
export {
  writeAuthenticateRequest,
  writeReplicationCompletedRequest,
  writeRowDataRequest,
  writeTableSchemaRequest,
  writeWipeRequest,
} from './adapters/soap/request-writers.ts'
export { PinnedClock } from './adapters/system/clocks.ts'
export { InMemoryNonceStore } from './adapters/system/in-memory-nonce-store.ts'
export {
  HARNESS_TENANT,
  type HarnessOptions,
  type MirroringHarness,
  mirroringHarness,
  plainSigner,
} from './testing/harness.ts'
export { type InMemoryServiceStateOptions, inMemoryServiceState } from './testing/in-memory-service-state.ts'
export { PLAIN_CLIENT_ID, PlainClaimsVerifier, plainToken } from './testing/plain-claims-verifier.ts'
export { RecordingAdmin } from './testing/recording-admin.ts'
export { RecordingLogger } from './testing/recording-logger.ts'
export {
  authenticateCall,
  batch,
  peopleTable,
  replicationCompletedCall,
  rowDataCall,
  type SoapCall,
  tableSchemaCall,
  wipeCall,
} from './testing/soap-calls.ts'
export { changes, column, createPlan, EVERY_TYPE, everyTypeRow, plan, schemaOf } from './testing/table-fixtures.ts'
