import { Container, ContainerModule, type ServiceIdentifier } from 'inversify'
import type { Clock } from '../../application/ports/clock.port.ts'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { ChangeSourceFactory } from '../../application/task/ports/change-source.port.ts'
import type { CycleProgress } from '../../application/task/ports/cycle-progress.port.ts'
import type { CyclePair, CycleQueue } from '../../application/task/ports/cycle-queue.port.ts'
import type { MirroringClientFactory } from '../../application/task/ports/mirroring-client.port.ts'
import type {
  PartnerSignatureVerifier,
  RandomSource,
  TokenIssuer,
} from '../../application/task/ports/token-issuer.port.ts'
import { type CycleDeps, RunMirroringCycle } from '../../application/task/run-mirroring-cycle.ts'
import { ScheduleCycles } from '../../application/task/schedule-cycles.ts'
import { BLOCKED_TABLES } from '../../domain/task/blocked-tables.ts'
import { SystemClock } from '../system/clocks.ts'
import { createPinoLogger } from '../system/pino-logger.ts'
import { NodePartnerSignatureVerifier, NodeRandomSource } from '../task/crypto/node-partner-verifier.ts'
import { Rs256TokenIssuer } from '../task/crypto/rs256-token-issuer.ts'
import { LogProgress } from '../task/progress/log-progress.ts'
import { InProcessCycleQueue } from '../task/scheduling/in-process-cycle-queue.ts'
import type { PgBossCycleQueue } from '../task/scheduling/pg-boss-cycle-queue.ts'
import { DEFAULT_SOAP_CLIENT_OPTIONS, SoapMirroringClients } from '../task/soap/soap-mirroring-client.ts'
import { ChangeSources } from '../task/sources/change-sources.ts'
import type { KyselyRegistry } from '../task/store/kysely-registry.ts'
import { openRegistry } from '../task/store/open-registry.ts'
import type { TaskConfig } from './task-config.ts'

/** A full reload's batches on their way at once, within --calls-in-flight. */
const FULL_LOAD_CALLS = 2

/** What an integrator or a test may put in place of the defaults. */
export interface TaskOverrides {
  readonly clock?: Clock
  readonly logger?: Logger
  readonly sources?: ChangeSourceFactory
  readonly clients?: MirroringClientFactory
  readonly tokens?: TokenIssuer
  /** Progress of the scheduler's cycles; log lines by default. */
  readonly progress?: (pair: CyclePair) => CycleProgress
}

export interface MirroringTask {
  readonly registry: KyselyRegistry
  readonly cycle: RunMirroringCycle
  readonly schedule: ScheduleCycles
  /** In this process, or shared through PostgreSQL (`--queue`): then workers take its cycles. */
  readonly queue: CycleQueue
  /** The shared queue, when there is one: `task worker` runs its jobs, `task queue` lists them. */
  readonly shared: PgBossCycleQueue | undefined
  readonly logger: Logger
  /** Waits for cycles in flight, then closes the registry. */
  close(): Promise<void>
}

const id = <T>(name: string) => Symbol.for(`tenant-mirror.task.${name}`) as ServiceIdentifier<T>
const K = {
  Config: id<TaskConfig>('Config'),
  Registry: id<KyselyRegistry>('Registry'),
  Clock: id<Clock>('Clock'),
  Logger: id<Logger>('Logger'),
  Deps: id<CycleDeps>('CycleDeps'),
  Cycle: id<RunMirroringCycle>('RunMirroringCycle'),
  Queue: id<CycleQueue>('CycleQueue'),
  Schedule: id<ScheduleCycles>('ScheduleCycles'),
} as const

/** The Mirroring Task's composition root: one container, resolved once. */
export async function createMirroringTask(config: TaskConfig, o: TaskOverrides = {}): Promise<MirroringTask> {
  const tokens = o.tokens ?? Rs256TokenIssuer.fromFiles(config.signingKeyFile, config.signingCertFile)
  const registry = await openRegistry(config.registry)
  const logger = o.logger ?? createPinoLogger(config.logLevel)
  // pg-boss is loaded only by a task that shares its queue.
  const queueConfig = config.queue
  const shared = queueConfig
    ? await import('../task/scheduling/pg-boss-cycle-queue.ts')
        .then((m) => m.PgBossCycleQueue.open(queueConfig.url, queueConfig, logger))
        .catch(async (error: unknown) => {
          await registry.close()
          throw error
        })
    : undefined
  const container = new Container({ defaultScope: 'Singleton' })
  await container.load(
    new ContainerModule(({ bind }) => {
      bind(K.Config).toConstantValue(config)
      bind(K.Registry).toConstantValue(registry)
      bind(K.Clock).toConstantValue(o.clock ?? new SystemClock())
      bind(K.Logger).toConstantValue(logger)
      bind(K.Deps).toResolvedValue(
        (registry: KyselyRegistry, clock: Clock, logger: Logger): CycleDeps => ({
          registry,
          events: registry,
          sources: o.sources ?? new ChangeSources(),
          clients:
            o.clients ?? new SoapMirroringClients({ ...DEFAULT_SOAP_CLIENT_OPTIONS, timeoutMs: config.callTimeoutMs }),
          tokens,
          signatures: new NodePartnerSignatureVerifier() satisfies PartnerSignatureVerifier,
          random: new NodeRandomSource() satisfies RandomSource,
          clock,
          logger,
          environment: config.environment,
          blockedTables: BLOCKED_TABLES,
          callsInFlight: config.callsInFlight,
          // More of one reload's batches at once did not load a big table faster (docs/performance.md).
          fullLoadCalls: Math.min(FULL_LOAD_CALLS, config.callsInFlight),
        }),
        [K.Registry, K.Clock, K.Logger],
      )
      bind(K.Cycle).toResolvedValue((deps: CycleDeps) => new RunMirroringCycle(deps), [K.Deps])
      bind(K.Queue).toResolvedValue(
        (cycle: RunMirroringCycle, logger: Logger) =>
          shared ??
          new InProcessCycleQueue(
            (pair) => cycle.execute(pair, o.progress?.(pair) ?? new LogProgress(logger, { ...pair })),
            config.concurrency,
            logger,
          ),
        [K.Cycle, K.Logger],
      )
      bind(K.Schedule).toResolvedValue(
        (registry: KyselyRegistry, queue: CycleQueue, clock: Clock) =>
          new ScheduleCycles(registry, queue, clock, { intervalMs: config.intervalMs, stopWindow: config.stopWindow }),
        [K.Registry, K.Queue, K.Clock],
      )
    }),
  )
  const queue = container.get(K.Queue)
  return {
    registry,
    cycle: container.get(K.Cycle),
    schedule: container.get(K.Schedule),
    queue,
    shared,
    logger: container.get(K.Logger),
    async close() {
      await queue.close()
      await registry.close()
    },
  }
}
