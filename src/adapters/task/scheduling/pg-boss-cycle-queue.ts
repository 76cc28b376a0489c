import { hostname } from 'node:os'
import { type Job, PgBoss } from 'pg-boss'
import type { Logger } from '../../../application/ports/logger.port.ts'
import type { CyclePair, CycleQueue } from '../../../application/task/ports/cycle-queue.port.ts'
import type { SqlExecutor } from '../store/kysely-registry.ts'
import { CycleLocks } from './cycle-locks.ts'

/** The one queue every scheduler sends to and every worker takes from. */
export const CYCLE_QUEUE = 'tenant-mirror-cycles'

/**
 * How long a worker waits after a job before fetching the next. pg-boss waits its polling
 * interval (2 s by default) less the job's own time, however many jobs wait: with a cycle of a
 * tenant with a few changes taking 0.1-0.3 s, 4 local workers ran 2 cycles a second at most
 * (`npm run bench -- --only cycles`: 121 cycles a minute, 482 with this). Its burst modes do not
 * help: one needs batches of several jobs per worker, the other the queue's statistics, which
 * pg-boss refreshes once a minute. An idle worker asks the database twice a second.
 */
export const POLL_SECONDS = 0.5

export interface QueueSettings {
  /** A worker that stops heartbeating (killed, hung, cut off) gives its job up after this. */
  readonly heartbeatSeconds: number
  /** A cycle running longer is failed and retried: the bound for a worker that lives but is stuck. */
  readonly expirySeconds: number
  /** Retries of a failed cycle, `retryDelaySeconds` apart and doubling, at most 10 minutes apart. */
  readonly retryLimit: number
  readonly retryDelaySeconds: number
}

/** What a worker reports of a cycle it ran: a failed one is retried with backoff. */
export interface CycleRun {
  readonly outcome: 'ok' | 'skipped' | 'failed'
  readonly message: string
}

export interface QueuedJob {
  readonly id: string
  readonly contextId: string
  readonly clientId: string
  readonly state: string
  readonly retries: number
  readonly createdAt: number
  readonly startedAt: number | undefined
  readonly completedAt: number | undefined
  readonly error: string | undefined
}

const keyOf = (pair: CyclePair) => `${pair.contextId}/${pair.clientId}`

/**
 * Cycles as pg-boss jobs in PostgreSQL, so that schedulers and workers on any number of machines
 * share them. The queue is `exclusive` with the pair as its singleton key: a pair is queued or
 * running once at most, however many schedulers send it. A worker runs a cycle only while it holds
 * the pair's advisory lock (CycleLocks), so a worker that only looked dead cannot overlap the retry
 * that replaced it.
 */
export class PgBossCycleQueue implements CycleQueue {
  readonly #boss: PgBoss
  readonly #locks: CycleLocks
  readonly #logger: Logger
  #working = false

  private constructor(boss: PgBoss, locks: CycleLocks, logger: Logger) {
    this.#boss = boss
    this.#locks = locks
    this.#logger = logger
  }

  /** Connects, installs pg-boss's schema when missing, and creates or updates the queue. */
  static async open(url: string, settings: QueueSettings, logger: Logger): Promise<PgBossCycleQueue> {
    const boss = new PgBoss({
      connectionString: url,
      application_name: 'tenant-mirror-queue',
      instanceName: `tenant-mirror@${hostname()}:${process.pid}`,
      max: 3,
    })
    boss.on('error', (error: unknown) =>
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'queue: pg-boss reported an error'),
    )
    await boss.start()
    const options = {
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: 600,
      expireInSeconds: settings.expirySeconds,
      heartbeatSeconds: settings.heartbeatSeconds,
      deleteAfterSeconds: 7 * 86_400,
    }
    if (await boss.getQueue(CYCLE_QUEUE)) await boss.updateQueue(CYCLE_QUEUE, options)
    else {
      await boss.createQueue(CYCLE_QUEUE, { ...options, policy: 'exclusive' }).catch(async (error: unknown) => {
        // Another machine created it at the same moment.
        if (!(await boss.getQueue(CYCLE_QUEUE))) throw error
      })
    }
    return new PgBossCycleQueue(boss, await CycleLocks.open(url), logger)
  }

  /**
   * The queue for sending only (`tenants approve --queue`): it leaves pg-boss's schema, its
   * maintenance and the queue's settings to the workers and schedulers, and needs them to have
   * created the queue.
   */
  static async sender(url: string, logger: Logger): Promise<PgBossCycleQueue> {
    const boss = new PgBoss({
      connectionString: url,
      application_name: 'tenant-mirror-queue',
      max: 2,
      supervise: false,
      schedule: false,
      migrate: false,
      createSchema: false,
    })
    boss.on('error', (error: unknown) =>
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'queue: pg-boss reported an error'),
    )
    await boss.start()
    if (!(await boss.getQueue(CYCLE_QUEUE).catch(() => null))) {
      await boss.stop({ graceful: false })
      throw new Error('no cycle queue in that database yet: start a task worker or scheduler with this --queue first')
    }
    return new PgBossCycleQueue(boss, await CycleLocks.open(url), logger)
  }

  async enqueue(pair: CyclePair): Promise<boolean> {
    return this.enqueueIn(pair, undefined)
  }

  /**
   * Queues a cycle through a transaction someone else holds open on the queue's database (the
   * registry's approval): the job commits or rolls back with it.
   */
  async enqueueIn(pair: CyclePair, sql: SqlExecutor | undefined): Promise<boolean> {
    const data = { contextId: pair.contextId, clientId: pair.clientId }
    const db = sql && { executeSql: sql }
    return (await this.#boss.send(CYCLE_QUEUE, data, { singletonKey: keyOf(pair), ...(db ? { db } : {}) })) !== null
  }

  async busy(): Promise<readonly CyclePair[]> {
    return (await this.jobs())
      .filter((j) => ['created', 'retry', 'active'].includes(j.state))
      .map((j) => ({ contextId: j.contextId, clientId: j.clientId }))
  }

  /** Takes jobs, `concurrency` at a time on this machine, until close(). */
  async work(run: (pair: CyclePair) => Promise<CycleRun>, concurrency: number): Promise<void> {
    this.#working = true
    const options = { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: POLL_SECONDS }
    await this.#boss.work<CyclePair>(CYCLE_QUEUE, options, async (jobs) => {
      for (const job of jobs) await this.#runOne(job, run)
    })
  }

  async #runOne(job: Job<CyclePair>, run: (pair: CyclePair) => Promise<CycleRun>): Promise<void> {
    const pair = { contextId: job.data.contextId, clientId: job.data.clientId }
    const lock = await this.#locks.take(keyOf(pair))
    if (!lock) {
      // Its last worker may still be running it: this attempt fails, the retry comes later.
      throw new Error(`the cycle of ${keyOf(pair)} is still running on another worker`)
    }
    const started = Date.now()
    this.#logger.info(
      { event: 'cycle-start', ...pair, job: job.id, attempt: job.retryCount, at: started },
      'cycle taken',
    )
    try {
      const result = await run(pair)
      this.#logger.info(
        { event: 'cycle-end', ...pair, job: job.id, outcome: result.outcome, at: Date.now(), ms: Date.now() - started },
        'cycle done',
      )
      if (result.outcome === 'failed') throw new Error(result.message)
    } finally {
      await lock.release()
    }
  }

  /** The jobs pg-boss still holds (it deletes completed ones after a week), oldest first. */
  async jobs(): Promise<readonly QueuedJob[]> {
    const jobs = await this.#boss.findJobs<CyclePair>(CYCLE_QUEUE, { limit: 10_000 })
    return jobs.map((j) => ({
      id: j.id,
      contextId: j.data.contextId,
      clientId: j.data.clientId,
      state: j.state,
      retries: j.retryCount,
      createdAt: j.createdOn.getTime(),
      startedAt: j.startedOn?.getTime(),
      completedAt: j.completedOn?.getTime() ?? undefined,
      error: j.state === 'failed' || j.state === 'retry' ? errorOf(j.output) : undefined,
    }))
  }

  /** Stops taking jobs, lets the cycles in flight finish, then disconnects. */
  async close(): Promise<void> {
    if (this.#working) await this.#boss.offWork(CYCLE_QUEUE, { wait: true })
    await this.#boss.stop({ graceful: true, timeout: 30_000 })
    await this.#locks.close()
  }
}

function errorOf(output: unknown): string | undefined {
  if (!output || typeof output !== 'object') return undefined
  const message = (output as { message?: unknown }).message
  return typeof message === 'string' ? message.split('\n')[0] : undefined
}
