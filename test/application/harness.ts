import { NodeSchemaHasher } from '../../src/adapters/crypto/node-schema-hasher.ts'
import { InMemoryMirrorDatabases } from '../../src/adapters/memory/in-memory-mirror-database.ts'
import { PinnedClock } from '../../src/adapters/system/clocks.ts'
import { InMemoryNonceStore } from '../../src/adapters/system/in-memory-nonce-store.ts'
import { ApplyRowData } from '../../src/application/apply-row-data.ts'
import { Authenticate } from '../../src/application/authenticate.ts'
import { AuthorizeCall } from '../../src/application/authorize-call.ts'
import { CompleteReplication } from '../../src/application/complete-replication.ts'
import { KeyedMutex } from '../../src/application/keyed-mutex.ts'
import type { MirroringDeps } from '../../src/application/mirroring-deps.ts'
import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import { SyncTableSchemas } from '../../src/application/sync-table-schemas.ts'
import { WipeTable } from '../../src/application/wipe-table.ts'
import { PlainClaimsVerifier, plainToken } from '../fakes/plain-claims-verifier.ts'
import { RecordingAdmin } from '../fakes/recording-admin.ts'

/** The five use cases over in-memory fakes only: no container, no HTTP, no engine. */
export function harness(mirrors: MirrorDatabaseProvider = new InMemoryMirrorDatabases()) {
  const clock = new PinnedClock(Date.UTC(2026, 0, 1, 12, 0))
  const admin = new RecordingAdmin()
  const authorize = new AuthorizeCall(new PlainClaimsVerifier(), new InMemoryNonceStore(clock, 60), clock, {
    clientId: 'app',
    issuer: 'SuperOffice AS',
    skewSeconds: 60,
  })
  const deps: MirroringDeps = {
    authorize,
    mirrors,
    hasher: new NodeSchemaHasher(),
    admin,
    locks: new KeyedMutex(),
    schema: {},
  }
  const signer = { sign: async (text: string) => Buffer.from(`signed:${text}`).toString('base64') }
  return {
    clock,
    admin,
    mirrors,
    authenticate: new Authenticate(authorize, signer, clock, admin, 'test-build'),
    tableSchema: new SyncTableSchemas(deps),
    rowData: new ApplyRowData(deps),
    wipe: new WipeTable(deps),
    completed: new CompleteReplication(authorize, admin),
    token: (contextId = 'Cust1', extra: Record<string, unknown> = {}) => plainToken(contextId, clock.now(), extra),
  }
}
