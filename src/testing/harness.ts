import { NodeSchemaHasher } from '../adapters/crypto/node-schema-hasher.ts'
import { InMemoryMirrorDatabases } from '../adapters/memory/in-memory-mirror-database.ts'
import { PinnedClock } from '../adapters/system/clocks.ts'
import { InMemoryNonceStore } from '../adapters/system/in-memory-nonce-store.ts'
import { ApplyRowData } from '../application/apply-row-data.ts'
import { Authenticate } from '../application/authenticate.ts'
import { AuthorizeCall } from '../application/authorize-call.ts'
import { CompleteReplication } from '../application/complete-replication.ts'
import { KeyedMutex } from '../application/keyed-mutex.ts'
import type { MirroringDeps } from '../application/mirroring-deps.ts'
import type { ApplicationTokenSigner } from '../application/ports/application-token-signer.port.ts'
import type { MirrorDatabaseProvider } from '../application/ports/mirror-database.port.ts'
import {
  isMirrorInspector,
  type MirrorInspection,
  MirrorInspectionUnavailable,
  type MirrorInspector,
} from '../application/ports/mirror-inspection.port.ts'
import type { SchemaHasher } from '../application/ports/schema-hasher.port.ts'
import { SyncTableSchemas } from '../application/sync-table-schemas.ts'
import { WipeTable } from '../application/wipe-table.ts'
import type { StaleBatchPolicy } from '../domain/changes/lsn.ts'
import type { ContextId } from '../domain/handshake/context-id.ts'
import { SUPEROFFICE_ISSUER } from '../domain/handshake/token-claims.ts'
import type { WireReplicationSummary, WireRowBatch, WireTableSchema } from '../domain/protocol/messages.ts'
import type { SchemaOptions } from '../domain/schema/table-schema.ts'
import { PLAIN_CLIENT_ID, PlainClaimsVerifier, plainToken } from './plain-claims-verifier.ts'
import { RecordingAdmin } from './recording-admin.ts'

/** Signs as base64(`signed:` + text), so that a test can check what was signed without a key. */
export const plainSigner: ApplicationTokenSigner = {
  sign: async (text: string) => Buffer.from(`signed:${text}`).toString('base64'),
}

export interface HarnessOptions {
  /** Where mirrors live; in memory when absent. */
  readonly mirrors?: MirrorDatabaseProvider
  /** What `inspect` reads mirrors through; the provider when it is a MirrorInspector too (the in-memory one is). */
  readonly inspector?: MirrorInspector
  /** The per-table locks, to watch or hold them from a test. */
  readonly locks?: KeyedMutex
  readonly admin?: RecordingAdmin
  /** Where the pinned clock starts (ms since the epoch); 2026-01-01 12:00 UTC when absent. */
  readonly now?: number
  /** The application the tokens are issued to, and the service accepts. */
  readonly clientId?: string
  readonly schema?: SchemaOptions
  readonly staleBatches?: StaleBatchPolicy
  /** How table schemas are hashed; SHA-256 (the service's) when absent. */
  readonly hasher?: SchemaHasher
  /** The monotonic clock RowData times its phases by; no times when absent. */
  readonly stopwatch?: () => number
}

/** The tenant a harness call is for when a test does not name one. */
export const HARNESS_TENANT = 'Cust1'

/**
 * The five operations of the client service over in-memory fakes: no container, no HTTP, no
 * engine, no keys. Tokens are plain claims (PlainClaimsVerifier), valid at the pinned clock's
 * time; `send` mints a fresh one for each call, as the Mirroring Task does.
 */
export function mirroringHarness(options: HarnessOptions = {}) {
  const clock = new PinnedClock(options.now ?? Date.UTC(2026, 0, 1, 12, 0))
  const admin = options.admin ?? new RecordingAdmin()
  const mirrors = options.mirrors ?? new InMemoryMirrorDatabases()
  const inspector = options.inspector ?? (isMirrorInspector(mirrors) ? mirrors : undefined)
  const locks = options.locks ?? new KeyedMutex()
  const clientId = options.clientId ?? PLAIN_CLIENT_ID
  const authorize = new AuthorizeCall(new PlainClaimsVerifier(), new InMemoryNonceStore(clock, 60), clock, {
    clientId,
    issuer: SUPEROFFICE_ISSUER,
    skewSeconds: 60,
  })
  const deps: MirroringDeps = {
    authorize,
    mirrors,
    hasher: options.hasher ?? new NodeSchemaHasher(),
    admin,
    locks,
    schema: options.schema ?? {},
    ...(options.staleBatches ? { staleBatches: options.staleBatches } : {}),
    ...(options.stopwatch ? { stopwatch: options.stopwatch } : {}),
  }
  const authenticate = new Authenticate(authorize, plainSigner, clock, admin, 'test-build')
  const tableSchema = new SyncTableSchemas(deps)
  const rowData = new ApplyRowData(deps)
  const wipe = new WipeTable(deps)
  const completed = new CompleteReplication(authorize, admin)
  const token = (contextId = HARNESS_TENANT, extra: Record<string, unknown> = {}) =>
    plainToken(contextId, clock.now(), { aud: `spn:${clientId}`, ...extra })
  const base = (contextId: string) => ({ signedToken: token(contextId), clientState: '' })
  return {
    clock,
    admin,
    mirrors,
    locks,
    /** A tenant's mirror for reading rows, counting them or setting an LSN, as a test checks what the calls did. */
    inspect(contextId: string = HARNESS_TENANT): Promise<MirrorInspection> {
      if (!inspector) return Promise.reject(new MirrorInspectionUnavailable())
      return inspector.inspect(contextId as ContextId)
    },
    authenticate,
    tableSchema,
    rowData,
    wipe,
    completed,
    token,
    /** Each operation as the Mirroring Task sends it, with a fresh token for the tenant. */
    send: {
      authenticate: (contextId = HARNESS_TENANT) => authenticate.execute(base(contextId)),
      tableSchema: (tables: readonly WireTableSchema[], contextId = HARNESS_TENANT) =>
        tableSchema.execute({ ...base(contextId), tables }),
      rowData: (batches: readonly WireRowBatch[], contextId = HARNESS_TENANT) =>
        rowData.execute({ ...base(contextId), batches }),
      wipe: (table: string, contextId = HARNESS_TENANT) => wipe.execute({ ...base(contextId), table }),
      replicationCompleted: (changedTables: readonly WireReplicationSummary[], contextId = HARNESS_TENANT) =>
        completed.execute({ ...base(contextId), changedTables }),
    },
  }
}

export type MirroringHarness = ReturnType<typeof mirroringHarness>
