import type { Hono } from 'hono'
import { Container, ContainerModule } from 'inversify'
import { ApplyRowData } from '../../application/apply-row-data.ts'
import { Authenticate } from '../../application/authenticate.ts'
import { AuthorizeCall } from '../../application/authorize-call.ts'
import { CompleteReplication } from '../../application/complete-replication.ts'
import { KeyedMutex } from '../../application/keyed-mutex.ts'
import type { MirroringDeps } from '../../application/mirroring-deps.ts'
import type { ApplicationTokenSigner } from '../../application/ports/application-token-signer.port.ts'
import type { Clock } from '../../application/ports/clock.port.ts'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { MirrorAdmin } from '../../application/ports/mirror-admin.port.ts'
import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import { isMirrorInspector, type MirrorInspector } from '../../application/ports/mirror-inspection.port.ts'
import type { NonceStore } from '../../application/ports/nonce-store.port.ts'
import type { SchemaHasher } from '../../application/ports/schema-hasher.port.ts'
import type { ServiceState } from '../../application/ports/service-state.port.ts'
import type { TokenVerifier } from '../../application/ports/token-verifier.port.ts'
import { ScreenCall } from '../../application/screen-call.ts'
import { SyncTableSchemas } from '../../application/sync-table-schemas.ts'
import { WipeTable } from '../../application/wipe-table.ts'
import { SUPEROFFICE_ISSUER } from '../../domain/handshake/token-claims.ts'
import { activityMirrorAdmin } from '../admin/activity-admin.ts'
import { ActivityRecorder } from '../admin/activity-recorder.ts'
import { createAdminApp } from '../admin/admin-app.ts'
import { ServiceMetrics } from '../admin/service-metrics.ts'
import { JoseTokenVerifier } from '../crypto/jose-token-verifier.ts'
import { KeyFileSigner } from '../crypto/key-file-signer.ts'
import { NodeSchemaHasher } from '../crypto/node-schema-hasher.ts'
import { loadEnvironmentKey, loadVerificationKey } from '../crypto/verification-keys.ts'
import type { CallEvent } from '../http/call-summary.ts'
import { InflightBudget } from '../http/inflight-budget.ts'
import type { MirroringUseCases } from '../http/mirroring-use-cases.ts'
import { Readiness } from '../http/readiness.ts'
import { createServiceApp } from '../http/routes.ts'
import { describeLocation } from '../sql/database-location.ts'
import { databaseNaming } from '../sql/database-naming.ts'
import { openMirrorDatabases } from '../sql/mirror-databases.ts'
import { type ResolveConnection, RoutedMirrorDatabases } from '../sql/routed-mirror-databases.ts'
import { DeferredServiceState } from '../state/deferred-service-state.ts'
import { openServiceState } from '../state/open-service-state.ts'
import { SystemClock } from '../system/clocks.ts'
import { loggingMirrorAdmin } from '../system/logging-mirror-admin.ts'
import { createPinoLogger } from '../system/pino-logger.ts'
import { DEFAULTS, parseServiceConfig, type ServiceConfig } from './config.ts'
import type { ServiceOptions } from './service-options.ts'
import { T } from './tokens.ts'
import { BUILD } from './version.ts'

/**
 * A call's tree may hold at most this many bytes per byte of its body (estimated as it is
 * built): SuperOffice's densest call, a TableSchema, needs about 4.5; a flood of empty
 * elements would need 24 and is refused.
 */
const MAX_CALL_DENSITY = 8
/** How long a call waits for room in the in-flight budget before it is answered busy. */
const BUSY_WAIT_MS = 2000

/** What an integrator or a test may put in place of the defaults (the ports of the design). */
export interface ServiceOverrides {
  readonly admin?: MirrorAdmin
  readonly mirrors?: MirrorDatabaseProvider
  /**
   * What the dashboard reads and resets (row counts, table rows, a forced resync). Without it the
   * mirror provider is used when it is a MirrorInspector too, as the built-in ones are; with
   * neither, the dashboard shows no row counts and answers a resync with 501.
   */
  readonly inspector?: MirrorInspector
  /**
   * Where each tenant's mirror lives (the reference package's ResolveConnection): another server
   * or engine, another name; asked before every call opens the tenant's mirror. Without it every
   * tenant lives at `database` under the `databaseNameTemplate` name.
   */
  readonly resolveConnection?: ResolveConnection
  readonly clock?: Clock
  readonly logger?: Logger
  readonly nonces?: NonceStore
  readonly verifier?: TokenVerifier
  readonly signer?: ApplicationTokenSigner
  /** The state store (nonces, pauses, activity); the configured one (`--state`) when absent. */
  readonly state?: ServiceState
  /** Told about every answered call too, after the dashboard's activity and the metrics. */
  readonly calls?: (call: CallEvent) => void
}

const infrastructure = (config: ServiceConfig, o: ServiceOverrides) =>
  new ContainerModule(({ bind }) => {
    bind(T.Config).toConstantValue(config)
    bind(T.Clock).toConstantValue(o.clock ?? new SystemClock())
    bind(T.Logger).toConstantValue(o.logger ?? createPinoLogger(config.logLevel))
    bind(T.State).toResolvedValue(
      (clock: Clock) =>
        o.state ??
        new DeferredServiceState(() =>
          openServiceState(config.state, {
            retention: config.stateRetention,
            graceSeconds: config.clockSkewSeconds,
            now: () => clock.now(),
          }),
        ),
      [T.Clock],
    )
    bind(T.NonceStore).toResolvedValue((state: ServiceState) => o.nonces ?? state, [T.State])
    bind(T.TokenVerifier).toResolvedValue(() => o.verifier ?? new JoseTokenVerifier(verificationKeys(config)))
    bind(T.Signer).toResolvedValue(() => o.signer ?? new KeyFileSigner(config.privateKeyFile))
    bind(T.Hasher).toConstantValue(new NodeSchemaHasher() satisfies SchemaHasher)
    bind(T.Metrics).toResolvedValue(
      (clock: Clock) => new ServiceMetrics({ tenantLabels: config.metricsTenantLabels, now: () => clock.now() }),
      [T.Clock],
    )
    bind(T.Recorder).toResolvedValue(
      (state: ServiceState, metrics: ServiceMetrics, logger: Logger, clock: Clock) =>
        new ActivityRecorder(state, metrics, logger, () => clock.now()),
      [T.State, T.Metrics, T.Logger, T.Clock],
    )
    bind(T.Admin).toResolvedValue(
      (logger: Logger, state: ServiceState, clock: Clock) =>
        activityMirrorAdmin(state, loggingMirrorAdmin(logger, o.admin), logger, () => clock.now()),
      [T.Logger, T.State, T.Clock],
    )
    bind(T.Mirrors).toConstantValue(o.mirrors ?? mirrorDatabases(config, o.resolveConnection))
    bind(T.Inspector).toResolvedValue(
      (mirrors: MirrorDatabaseProvider) => o.inspector ?? (isMirrorInspector(mirrors) ? mirrors : undefined),
      [T.Mirrors],
    )
  })

const application = new ContainerModule(({ bind }) => {
  bind(T.Locks).toConstantValue(new KeyedMutex())
  bind(T.Authorize).toResolvedValue(
    (verifier: TokenVerifier, nonces: NonceStore, clock: Clock, config: ServiceConfig) =>
      new AuthorizeCall(verifier, nonces, clock, {
        clientId: config.clientId,
        issuer: SUPEROFFICE_ISSUER,
        skewSeconds: config.clockSkewSeconds,
        maxLifetimeSeconds: config.maxTokenLifetimeSeconds,
      }),
    [T.TokenVerifier, T.NonceStore, T.Clock, T.Config],
  )
  bind(T.Deps).toResolvedValue(
    (
      authorize: AuthorizeCall,
      mirrors: MirrorDatabaseProvider,
      hasher: SchemaHasher,
      admin: MirrorAdmin,
      locks: KeyedMutex,
      config: ServiceConfig,
    ): MirroringDeps => ({
      authorize,
      mirrors,
      hasher,
      admin,
      locks,
      schema: { keyColumns: config.keyColumns },
      staleBatches: config.staleBatches,
      stopwatch: () => performance.now(),
    }),
    [T.Authorize, T.Mirrors, T.Hasher, T.Admin, T.Locks, T.Config],
  )
  bind(T.Authenticate).toResolvedValue(
    (authorize: AuthorizeCall, signer: ApplicationTokenSigner, clock: Clock, admin: MirrorAdmin) =>
      new Authenticate(authorize, signer, clock, admin, BUILD),
    [T.Authorize, T.Signer, T.Clock, T.Admin],
  )
  bind(T.ScreenCall).toResolvedValue(
    (authorize: AuthorizeCall, admin: MirrorAdmin) => new ScreenCall(authorize, admin),
    [T.Authorize, T.Admin],
  )
  bind(T.SyncTableSchemas).toResolvedValue((deps: MirroringDeps) => new SyncTableSchemas(deps), [T.Deps])
  bind(T.ApplyRowData).toResolvedValue((deps: MirroringDeps) => new ApplyRowData(deps), [T.Deps])
  bind(T.WipeTable).toResolvedValue((deps: MirroringDeps) => new WipeTable(deps), [T.Deps])
  bind(T.CompleteReplication).toResolvedValue(
    (authorize: AuthorizeCall, admin: MirrorAdmin) => new CompleteReplication(authorize, admin),
    [T.Authorize, T.Admin],
  )
})

const http = (o: ServiceOverrides) =>
  new ContainerModule(({ bind }) => {
    bind(T.UseCases).toResolvedValue(
      (
        screenCall: ScreenCall,
        authenticate: Authenticate,
        syncTableSchemas: SyncTableSchemas,
        applyRowData: ApplyRowData,
        wipeTable: WipeTable,
        completeReplication: CompleteReplication,
      ): MirroringUseCases => ({
        screenCall,
        authenticate,
        syncTableSchemas,
        applyRowData,
        wipeTable,
        completeReplication,
      }),
      [T.ScreenCall, T.Authenticate, T.SyncTableSchemas, T.ApplyRowData, T.WipeTable, T.CompleteReplication],
    )
    bind(T.HttpApp).toResolvedValue(
      (
        useCases: MirroringUseCases,
        logger: Logger,
        config: ServiceConfig,
        metrics: ServiceMetrics,
        recorder: ActivityRecorder,
        state: ServiceState,
        mirrors: MirrorDatabaseProvider,
        inspector: MirrorInspector | undefined,
        clock: Clock,
      ): Hono =>
        createServiceApp({
          useCases,
          logger,
          soap: {
            path: config.path,
            limits: {
              maxBodyBytes: config.maxBodyBytes,
              maxHeaderBytes: DEFAULTS.maxHeaderBytes,
              bodyTimeoutMs: config.bodyTimeoutMs,
              idleTimeoutMs: config.idleTimeoutMs,
              maxDepth: config.maxXmlDepth,
              maxElements: config.maxXmlElements,
              maxDensity: MAX_CALL_DENSITY,
            },
            budget: new InflightBudget(config.maxInflightBytes, BUSY_WAIT_MS, config.maxInflightCalls),
            observer: (call) => {
              recorder.record(call)
              o.calls?.(call)
            },
          },
          metrics,
          readiness: new Readiness(
            [
              {
                name: `mirror database (${describeLocation(config.database)})`,
                probe: () => mirrors.probe?.() ?? Promise.resolve(),
              },
              { name: 'state store', probe: () => state.probe() },
            ],
            () => Date.now(),
          ),
          ...(config.adminToken
            ? {
                admin: createAdminApp({
                  state,
                  mirrors,
                  inspector,
                  token: config.adminToken,
                  logger,
                  now: () => clock.now(),
                  staleAfterMs: config.staleAfterMs,
                }),
              }
            : {}),
        }),
      [T.UseCases, T.Logger, T.Config, T.Metrics, T.Recorder, T.State, T.Mirrors, T.Inspector, T.Clock],
    )
  })

/** The one container of the process, resolved once at start-up; nothing asks it for services later. */
export function buildContainer(config: ServiceConfig, overrides: ServiceOverrides = {}): Container {
  const container = new Container({ defaultScope: 'Singleton' })
  container.load(infrastructure(config, overrides), application, http(overrides))
  return container
}

/** The running parts of a client service: its HTTP app and what must be closed on shutdown. */
export interface MirroringService {
  readonly app: Hono
  readonly mirrors: MirrorDatabaseProvider
  /** The mirrors' inspection (rows, counts, a forced LSN), when the provider or an override offers it. */
  readonly inspector: MirrorInspector | undefined
  readonly logger: Logger
  /** This process's Prometheus metrics and readiness. */
  readonly metrics: ServiceMetrics
  /** Nonces, pauses and the activity every replica shares. */
  readonly state: ServiceState
  /** Resolves once the state store is open; rejects with its reason when it cannot be. */
  ready(): Promise<void>
  /** Resolves once every call answered so far is in the state store (it is written in the background). */
  flush(): Promise<void>
  /** Writes what is still to be recorded, then closes the state store and the mirror databases. */
  close(): Promise<void>
}

/** How often expired nonces and activity past the retention are deleted. */
const SWEEP_EVERY_MS = 10 * 60_000

/**
 * A client service from a program's options: the client id, the keys and the database, and any
 * other ServiceConfig field to change from the CLI's default. Options that do not validate
 * throw, with the one-line message the CLI would print.
 */
export function createMirroringService(options: ServiceOptions, overrides: ServiceOverrides = {}): MirroringService {
  const parsed = parseServiceConfig(options)
  if (!parsed.ok) throw new Error(parsed.error)
  return assembleMirroringService(parsed.config, overrides)
}

/**
 * A client service from a configuration taken as it is, unchecked: one already parsed, or one
 * a test builds with limits the parser would refuse (a context id longer than the engine's
 * names leave room for, to see the call refused).
 */
export function assembleMirroringService(config: ServiceConfig, overrides: ServiceOverrides = {}): MirroringService {
  const container = buildContainer(config, overrides)
  const state = container.get(T.State)
  const recorder = container.get(T.Recorder)
  const logger = container.get(T.Logger)
  const clock = container.get(T.Clock)
  const mirrors = container.get(T.Mirrors)
  const sweep = () =>
    void state
      .sweep(clock.now())
      .then((n) => n > 0 && logger.debug({ deleted: n }, 'state store swept'))
      .catch((error: unknown) => logger.warn({ err: String(error) }, 'state store: sweep failed'))
  const sweeper = setInterval(sweep, SWEEP_EVERY_MS)
  sweeper.unref()
  return {
    app: container.get(T.HttpApp),
    mirrors,
    inspector: container.get(T.Inspector),
    logger,
    metrics: container.get(T.Metrics),
    state,
    async ready() {
      if (state instanceof DeferredServiceState) await state.ready()
    },
    flush: () => recorder.flush(),
    async close() {
      clearInterval(sweeper)
      await recorder.flush()
      await state.close()
      await mirrors.close()
    },
  }
}

function verificationKeys(config: ServiceConfig) {
  return config.federated.kind === 'environment'
    ? [loadEnvironmentKey(config.federated.environment)]
    : config.federated.files.map(loadVerificationKey)
}

function mirrorDatabases(config: ServiceConfig, resolve: ResolveConnection | undefined): MirrorDatabaseProvider {
  const base = {
    naming: databaseNaming(config.databaseNameTemplate),
    longestContextId: config.maxContextIdLength,
    pool: { maxOpen: config.maxOpenDatabases, idleMs: config.idleDatabaseMs },
    durableCommits: config.durableCommits,
  }
  return resolve
    ? new RoutedMirrorDatabases({
        resolve,
        location: config.database,
        layout: config.database.layout ?? 'database',
        base,
      })
    : openMirrorDatabases(config.database, base)
}
