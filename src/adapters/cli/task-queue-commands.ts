import type { Command } from 'commander'
import { LogProgress } from '../task/progress/log-progress.ts'
import { fail } from './fail.ts'
import { addTaskOptions, startTask, taskConfig } from './task-options.ts'

/**
 * `task worker` and `task queue`: the Mirroring Task spread over machines through a pg-boss
 * queue in PostgreSQL (`--queue`). Schedulers (`task schedule --queue …`) only queue due pairs;
 * workers on any number of machines run them.
 */
export function addQueueCommands(task: Command): void {
  addTaskOptions(
    task
      .command('worker')
      .description('run cycles taken from the shared queue (--queue), --concurrency at a time, until SIGTERM'),
  ).action(async (options: Record<string, unknown>) => {
    const config = taskConfig(options)
    if (!config.queue)
      return fail('task worker needs --queue postgres://… (MIRROR_QUEUE): the queue it takes cycles from', 2)
    const worker = await startTask(config)
    const shared = worker.shared!
    await shared.work(
      (pair) => worker.cycle.execute(pair, new LogProgress(worker.logger, { ...pair })),
      config.concurrency,
    )
    worker.logger.info(
      { concurrency: config.concurrency, heartbeatSeconds: config.queue.heartbeatSeconds },
      'tenant-mirror worker running',
    )
    const shutdown = async (signal: string) => {
      worker.logger.info({ signal }, 'worker stopping: taking no new cycles, finishing those in flight')
      await worker.close()
      process.exit(0)
    }
    process.once('SIGTERM', () => void shutdown('SIGTERM'))
    process.once('SIGINT', () => void shutdown('SIGINT'))
  })

  addTaskOptions(
    task
      .command('queue')
      .description('list the shared queue: queued, running, retried and failed cycles')
      .option('--json', 'one JSON array'),
  ).action(async (options: Record<string, unknown> & { json?: boolean }) => {
    const config = taskConfig(options)
    if (!config.queue) return fail('task queue needs --queue postgres://… (MIRROR_QUEUE)', 2)
    const tasks = await startTask(config)
    try {
      const jobs = await tasks.shared!.jobs()
      if (options.json) {
        process.stdout.write(`${JSON.stringify(jobs)}\n`)
        return
      }
      const time = (ms: number | undefined) => (ms ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : '-')
      const rows = jobs.map((j) => [
        j.state,
        j.contextId,
        j.clientId,
        String(j.retries),
        time(j.createdAt),
        time(j.startedAt),
        j.error ?? '',
      ])
      const header = ['state', 'tenant', 'application', 'retries', 'queued (UTC)', 'started (UTC)', 'last error']
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
      for (const row of [header, ...rows]) {
        process.stdout.write(
          `${row
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()}\n`,
        )
      }
    } finally {
      await tasks.close()
    }
  })
}
