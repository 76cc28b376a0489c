import { DEFAULTS, type ServiceConfig } from '../../src/adapters/bootstrap/config.ts'
import { createMirroringService, type MirroringService } from '../../src/adapters/bootstrap/container.ts'
import { JoseTokenVerifier } from '../../src/adapters/crypto/jose-token-verifier.ts'
import { NodeApplicationTokenSigner } from '../../src/adapters/crypto/node-application-token-signer.ts'
import { verificationKeyFrom } from '../../src/adapters/crypto/verification-keys.ts'
import { parseDatabaseLocation } from '../../src/adapters/sql/database-location.ts'
import { PinnedClock } from '../../src/adapters/system/clocks.ts'
import type { Logger } from '../../src/application/ports/logger.port.ts'
import type { MirrorAdmin } from '../../src/application/ports/mirror-admin.port.ts'
import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import { federatedPublicPem, testKeys } from './test-keys.ts'
import { TEST_CLIENT_ID } from './tokens.ts'

/** Log lines kept in memory, so that tests can look for secrets that must never appear. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; fields: Readonly<Record<string, unknown>>; message: string }[] = []
  debug(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'debug', fields, message })
  }
  info(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'info', fields, message })
  }
  warn(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'warn', fields, message })
  }
  error(fields: Readonly<Record<string, unknown>>, message: string) {
    this.lines.push({ level: 'error', fields, message })
  }
  text(): string {
    return this.lines.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n')
  }
}

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
    waitForDatabaseMs: 0,
    ...overrides,
  }
}

export interface TestService extends MirroringService {
  readonly clock: PinnedClock
  readonly log: RecordingLogger
  readonly config: ServiceConfig
}

/** The real service, wired by the real container, with test keys and a pinned clock. */
export async function testService(
  options: { config?: Partial<ServiceConfig>; admin?: MirrorAdmin; mirrors?: MirrorDatabaseProvider } = {},
): Promise<TestService> {
  const config = testConfig(options.config)
  const clock = new PinnedClock(Date.now())
  const log = new RecordingLogger()
  const keys = testKeys()
  const service = createMirroringService(config, {
    clock,
    logger: log,
    verifier: new JoseTokenVerifier([
      verificationKeyFrom(Buffer.from(await federatedPublicPem()), 'test federated key'),
    ]),
    signer: new NodeApplicationTokenSigner(keys.partnerPrivate),
    ...(options.admin ? { admin: options.admin } : {}),
    ...(options.mirrors ? { mirrors: options.mirrors } : {}),
  })
  return { ...service, clock, log, config }
}
