import { DEFAULTS, type ServiceConfig } from '../../src/adapters/bootstrap/config.ts'
import { assembleMirroringService, type MirroringService } from '../../src/adapters/bootstrap/container.ts'
import { JoseTokenVerifier } from '../../src/adapters/crypto/jose-token-verifier.ts'
import { NodeApplicationTokenSigner } from '../../src/adapters/crypto/node-application-token-signer.ts'
import { verificationKeyFrom } from '../../src/adapters/crypto/verification-keys.ts'
import { parseDatabaseLocation } from '../../src/adapters/sql/database-location.ts'
import type { ResolveConnection } from '../../src/adapters/sql/routed-mirror-databases.ts'
import { PinnedClock } from '../../src/adapters/system/clocks.ts'
import type { MirrorAdmin } from '../../src/application/ports/mirror-admin.port.ts'
import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import { RecordingLogger } from '../../src/testing/recording-logger.ts'
import { federatedPublicPem, testKeys } from './test-keys.ts'
import { TEST_CLIENT_ID } from './tokens.ts'

export { RecordingLogger }

export function testConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    path: DEFAULTS.path,
    database: parseDatabaseLocation('memory:')!,
    databaseNameTemplate: DEFAULTS.databaseNameTemplate,
    maxContextIdLength: 64,
    clientId: TEST_CLIENT_ID,
    privateKeyFile: '(in memory)',
    federated: { kind: 'files', files: [] },
    clockSkewSeconds: 60,
    maxTokenLifetimeSeconds: DEFAULTS.maxTokenLifetimeSeconds,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    maxInflightBytes: DEFAULTS.maxInflightBytes,
    maxInflightCalls: DEFAULTS.maxInflightCalls,
    bodyTimeoutMs: DEFAULTS.bodyTimeoutSeconds * 1000,
    idleTimeoutMs: DEFAULTS.idleTimeoutSeconds * 1000,
    maxXmlDepth: DEFAULTS.maxXmlDepth,
    maxXmlElements: DEFAULTS.maxXmlElements,
    logLevel: 'silent',
    keyColumns: new Map(),
    maxOpenDatabases: 16,
    idleDatabaseMs: 60_000,
    staleBatches: 'skip',
    state: 'memory:',
    stateRetention: { days: 14, rowsPerTenant: 1000 },
    staleAfterMs: 3_600_000,
    metricsTenantLabels: true,
    durableCommits: false,
    waitForDatabaseMs: 0,
    ...overrides,
  }
}

export interface TestService extends MirroringService {
  readonly clock: PinnedClock
  readonly log: RecordingLogger
  readonly config: ServiceConfig
}

/**
 * The real service, wired by the real container, with test keys and a pinned clock; the
 * configuration is taken as it is, so that a test may set limits the parser would refuse.
 */
export async function testService(
  options: {
    config?: Partial<ServiceConfig>
    admin?: MirrorAdmin
    mirrors?: MirrorDatabaseProvider
    resolveConnection?: ResolveConnection
  } = {},
): Promise<TestService> {
  const config = testConfig(options.config)
  const clock = new PinnedClock(Date.now())
  const log = new RecordingLogger()
  const keys = testKeys()
  const service = assembleMirroringService(config, {
    clock,
    logger: log,
    verifier: new JoseTokenVerifier([
      verificationKeyFrom(Buffer.from(await federatedPublicPem()), 'test federated key'),
    ]),
    signer: new NodeApplicationTokenSigner(keys.partnerPrivate),
    ...(options.admin ? { admin: options.admin } : {}),
    ...(options.mirrors ? { mirrors: options.mirrors } : {}),
    ...(options.resolveConnection ? { resolveConnection: options.resolveConnection } : {}),
  })
  return { ...service, clock, log, config }
}
