import type { Hono } from 'hono'
import type { ServiceIdentifier } from 'inversify'
import type { ApplyRowData } from '../../application/apply-row-data.ts'
import type { Authenticate } from '../../application/authenticate.ts'
import type { AuthorizeCall } from '../../application/authorize-call.ts'
import type { CompleteReplication } from '../../application/complete-replication.ts'
import type { KeyedMutex } from '../../application/keyed-mutex.ts'
import type { MirroringDeps } from '../../application/mirroring-deps.ts'
import type { ApplicationTokenSigner } from '../../application/ports/application-token-signer.port.ts'
import type { Clock } from '../../application/ports/clock.port.ts'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { MirrorAdmin } from '../../application/ports/mirror-admin.port.ts'
import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import type { MirrorInspector } from '../../application/ports/mirror-inspection.port.ts'
import type { NonceStore } from '../../application/ports/nonce-store.port.ts'
import type { SchemaHasher } from '../../application/ports/schema-hasher.port.ts'
import type { ServiceState } from '../../application/ports/service-state.port.ts'
import type { TokenVerifier } from '../../application/ports/token-verifier.port.ts'
import type { ScreenCall } from '../../application/screen-call.ts'
import type { SyncTableSchemas } from '../../application/sync-table-schemas.ts'
import type { WipeTable } from '../../application/wipe-table.ts'
import type { ActivityRecorder } from '../admin/activity-recorder.ts'
import type { ServiceMetrics } from '../admin/service-metrics.ts'
import type { MirroringUseCases } from '../http/mirroring-use-cases.ts'
import type { ServiceConfig } from './config.ts'

const id = <T>(name: string) => Symbol.for(`tenant-mirror.${name}`) as ServiceIdentifier<T>

/** Typed service identifiers: a wrong dependency list is a compile error. */
export const T = {
  Config: id<ServiceConfig>('Config'),
  Clock: id<Clock>('Clock'),
  Logger: id<Logger>('Logger'),
  NonceStore: id<NonceStore>('NonceStore'),
  TokenVerifier: id<TokenVerifier>('TokenVerifier'),
  Signer: id<ApplicationTokenSigner>('ApplicationTokenSigner'),
  Hasher: id<SchemaHasher>('SchemaHasher'),
  Admin: id<MirrorAdmin>('MirrorAdmin'),
  Mirrors: id<MirrorDatabaseProvider>('MirrorDatabaseProvider'),
  /** The dashboard's reads and resets; undefined when neither an override nor the provider offers them. */
  Inspector: id<MirrorInspector | undefined>('MirrorInspector'),
  Locks: id<KeyedMutex>('KeyedMutex'),
  Authorize: id<AuthorizeCall>('AuthorizeCall'),
  Deps: id<MirroringDeps>('MirroringDeps'),
  ScreenCall: id<ScreenCall>('ScreenCall'),
  Authenticate: id<Authenticate>('Authenticate'),
  SyncTableSchemas: id<SyncTableSchemas>('SyncTableSchemas'),
  ApplyRowData: id<ApplyRowData>('ApplyRowData'),
  WipeTable: id<WipeTable>('WipeTable'),
  CompleteReplication: id<CompleteReplication>('CompleteReplication'),
  UseCases: id<MirroringUseCases>('MirroringUseCases'),
  HttpApp: id<Hono>('HttpApp'),
  Metrics: id<ServiceMetrics>('ServiceMetrics'),
  Recorder: id<ActivityRecorder>('ActivityRecorder'),
  State: id<ServiceState>('ServiceState'),
} as const
