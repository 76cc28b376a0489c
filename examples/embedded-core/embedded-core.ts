import { createHash } from 'node:crypto'
import {
  ApplyRowData,
  Authenticate,
  AuthorizeCall,
  CompleteReplication,
  KeyedMutex,
  type MirrorAdmin,
  type MirroringDeps,
  type SchemaHasher,
  SUPEROFFICE_ISSUER,
  SyncTableSchemas,
} from 'tenant-mirror/core'
import {
  InMemoryMirrorDatabases,
  InMemoryNonceStore,
  PinnedClock,
  PLAIN_CLIENT_ID,
  PlainClaimsVerifier,
  plainSigner,
  plainToken,
} from 'tenant-mirror/testing'

/** The one port this example implements itself: how a table's schema fingerprint is hashed. */
const sha256: SchemaHasher = {
  hash: (fingerprint) => createHash('sha256').update(fingerprint, 'utf8').digest('hex'),
}

/**
 * The client service's use cases wired by hand with in-memory adapters: no HTTP, no container,
 * no database engine and no keys. Tokens are plain claims (PlainClaimsVerifier), valid at the
 * pinned clock's time.
 */
export function embedCore(admin: MirrorAdmin) {
  const clock = new PinnedClock(Date.UTC(2026, 0, 1, 12, 0))
  const mirrors = new InMemoryMirrorDatabases()
  const authorize = new AuthorizeCall(new PlainClaimsVerifier(), new InMemoryNonceStore(clock, 60), clock, {
    clientId: PLAIN_CLIENT_ID,
    issuer: SUPEROFFICE_ISSUER,
    skewSeconds: 60,
  })
  const deps: MirroringDeps = { authorize, mirrors, hasher: sha256, admin, locks: new KeyedMutex(), schema: {} }
  return {
    clock,
    mirrors,
    authenticate: new Authenticate(authorize, plainSigner, clock, admin, 'embedded-example'),
    tableSchema: new SyncTableSchemas(deps),
    rowData: new ApplyRowData(deps),
    replicationCompleted: new CompleteReplication(authorize, admin),
    /** A fresh token for the tenant, as SuperOffice mints one per call. */
    request: (contextId: string) => ({ signedToken: plainToken(contextId, clock.now()), clientState: '' }),
  }
}
