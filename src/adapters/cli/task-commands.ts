import { Command, Option } from 'commander'
import { cycleReport } from '../../application/task/run-mirroring-cycle.ts'
import { cycleLine } from '../task/progress/cycle-line.ts'
import { LogProgress } from '../task/progress/log-progress.ts'
import { TerminalProgress } from '../task/progress/terminal-progress.ts'
import { TextLogger } from '../task/progress/text-logger.ts'
import { fail } from './fail.ts'
import { firstLine } from './registry-option.ts'
import { addTaskOptions, startTask, taskConfig } from './task-options.ts'
import { addQueueCommands } from './task-queue-commands.ts'

/** `tenant-mirror task …`: the Mirroring Task, one tenant now or every approved pair on a schedule. */
export function taskCommands(): Command {
  const task = new Command('task').description("the Mirroring Task: SuperOffice's side of mirroring")

  addTaskOptions(
    task
      .command('run')
      .description("run a tenant's mirroring cycle now (and then on the interval, unless --once)")
      .requiredOption('--tenant <ctx>', 'the tenant')
      .option('--app <client-id>', 'only this application (default: every application the tenant approved)')
      .option('--once', 'run one cycle and exit: status 0 when every cycle succeeded')
      .addOption(
        new Option(
          '--format <format>',
          'text (a bar per table, a line per cycle) or json (log lines); default: text on a terminal, else json',
        ).choices(['text', 'json']),
      ),
  ).action(async (options: Record<string, unknown> & { tenant: string; app?: string; once?: boolean }) => {
    const config = taskConfig(options)
    // One format, never both: text for a person (bars on stderr, a line per cycle, warnings as
    // text; no JSON through the bars), JSON log lines for a pipe or a file.
    const text = (options.format ?? (process.stdout.isTTY ? 'text' : 'json')) === 'text'
    const terminal = text ? new TerminalProgress() : undefined
    const task = await startTask(
      config,
      terminal ? { logger: new TextLogger((line) => terminal.log(line), config.logLevel) } : {},
    )
    const pairs = (await task.registry.approvals())
      .filter((a) => a.contextId === options.tenant && (!options.app || a.clientId === options.app))
      .map((a) => ({ contextId: a.contextId, clientId: a.clientId }))
    if (pairs.length === 0) {
      await task.close()
      return fail(
        `tenant ${options.tenant} has approved ${options.app ? `no application ${options.app}` : 'no application'}`,
      )
    }
    let stopping = false
    let wake: (() => void) | undefined
    const stop = () => {
      stopping = true
      wake?.()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    let failed = false
    do {
      for (const pair of pairs) {
        const started = Date.now()
        const result = await task.cycle.execute(pair, terminal ?? new LogProgress(task.logger, { ...pair }))
        failed ||= result.outcome === 'failed'
        // JSON: the cycle's own log line says how it ended.
        if (terminal) {
          terminal.stop()
          process.stdout.write(`${cycleLine(pair, cycleReport(result, Date.now() - started), new Date())}\n`)
        }
      }
      if (options.once || stopping) break
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, config.intervalMs).unref()
      })
    } while (!stopping)
    await task.close()
    process.exitCode = options.once && failed ? 1 : 0
  })

  addTaskOptions(
    task
      .command('schedule')
      .description('run every approved (tenant, application) pair on the interval, in the foreground'),
  ).action(async (options: Record<string, unknown>) => {
    const config = taskConfig(options)
    const task = await startTask(config)
    const tick = async () => {
      try {
        const queued = await task.schedule.tick()
        if (queued.length > 0) task.logger.info({ pairs: queued.length }, 'cycles queued')
      } catch (error) {
        task.logger.error({ err: firstLine(error) }, 'scheduler tick failed')
      }
    }
    const timer = setInterval(() => void tick(), Math.min(30_000, config.intervalMs))
    await tick()
    task.logger.info(
      { concurrency: config.concurrency, intervalMinutes: config.intervalMs / 60_000 },
      'tenant-mirror scheduler running',
    )
    const shutdown = async (signal: string) => {
      clearInterval(timer)
      task.logger.info({ signal }, 'scheduler stopping: finishing cycles in flight')
      await task.close()
      process.exit(0)
    }
    process.once('SIGTERM', () => void shutdown('SIGTERM'))
    process.once('SIGINT', () => void shutdown('SIGINT'))
  })
  addQueueCommands(task)
  return task
}
