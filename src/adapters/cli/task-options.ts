import { type Command, Option } from 'commander'
import { parseTaskConfig, TASK_DEFAULTS, type TaskConfig } from '../bootstrap/task-config.ts'
import { createMirroringTask, type MirroringTask, type TaskOverrides } from '../bootstrap/task-container.ts'
import { fail } from './fail.ts'
import { checkTaskFiles } from './option-files.ts'
import { addRegistryOption, firstLine } from './registry-option.ts'

/** The options every `task` command takes, and what they make: the task's config and the task. */
export function addTaskOptions(command: Command): Command {
  return addRegistryOption(command)
    .addOption(
      new Option('--signing-key <file>', 'federated-login private key (PEM) that signs the tokens').env(
        'MIRROR_SIGNING_KEY',
      ),
    )
    .addOption(
      new Option('--signing-cert <file>', 'its certificate (PEM): the service verifies with it').env(
        'MIRROR_SIGNING_CERT',
      ),
    )
    .addOption(
      new Option('--environment <env>', 'serve the applications of this environment')
        .env('MIRROR_ENVIRONMENT')
        .default(TASK_DEFAULTS.environment),
    )
    .addOption(
      new Option('--interval <minutes>', 'minutes between cycles of a pair')
        .env('MIRROR_INTERVAL_MINUTES')
        .default(TASK_DEFAULTS.intervalMinutes),
    )
    .addOption(
      new Option('--stop-window <HH:MM-HH:MM>', 'nightly UTC window without cycles, or none')
        .env('MIRROR_STOP_WINDOW')
        .default(TASK_DEFAULTS.stopWindow),
    )
    .addOption(
      new Option('--concurrency <n>', 'cycles of different pairs at once')
        .env('MIRROR_CONCURRENCY')
        .default(TASK_DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--call-timeout <seconds>', 'longest a SOAP call may take')
        .env('MIRROR_CALL_TIMEOUT')
        .default(TASK_DEFAULTS.callTimeoutSeconds),
    )
    .addOption(
      new Option(
        '--calls-in-flight <n>',
        "Wipe and RowData calls of a cycle on their way at once, across its tables (one table's changes go one at a time)",
      )
        .env('MIRROR_CALLS_IN_FLIGHT')
        .default(TASK_DEFAULTS.callsInFlight),
    )
    .addOption(
      new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
        .env('MIRROR_LOG_LEVEL')
        .default(TASK_DEFAULTS.logLevel),
    )
    .addOption(
      new Option('--queue <url>', 'share cycles through a pg-boss queue in this PostgreSQL database').env(
        'MIRROR_QUEUE',
      ),
    )
    .addOption(
      new Option('--job-heartbeat <seconds>', 'a worker that stops heartbeating gives its cycle up after this')
        .env('MIRROR_JOB_HEARTBEAT')
        .default(TASK_DEFAULTS.jobHeartbeatSeconds),
    )
    .addOption(
      new Option(
        '--job-expiry <seconds>',
        'a cycle running longer is failed and retried (default: 10 call timeouts)',
      ).env('MIRROR_JOB_EXPIRY'),
    )
    .addOption(
      new Option('--job-retry-delay <seconds>', 'first wait before a failed cycle is retried; it doubles')
        .env('MIRROR_JOB_RETRY_DELAY')
        .default(TASK_DEFAULTS.jobRetryDelaySeconds),
    )
    .addOption(
      new Option('--job-retries <n>', 'retries of a failed cycle, with backoff from 30 s to 10 min')
        .env('MIRROR_JOB_RETRIES')
        .default(TASK_DEFAULTS.jobRetries),
    )
}

export function taskConfig(options: Record<string, unknown>): TaskConfig {
  const parsed = parseTaskConfig({
    registry: options.registry,
    signingKey: options.signingKey,
    signingCert: options.signingCert,
    environment: options.environment,
    intervalMinutes: options.interval,
    stopWindow: options.stopWindow,
    concurrency: options.concurrency,
    callTimeoutSeconds: options.callTimeout,
    callsInFlight: options.callsInFlight,
    logLevel: options.logLevel,
    queue: options.queue,
    jobHeartbeatSeconds: options.jobHeartbeat,
    jobExpirySeconds: options.jobExpiry,
    jobRetries: options.jobRetries,
    jobRetryDelaySeconds: options.jobRetryDelay,
  })
  if (!parsed.ok) return fail(parsed.error, 2)
  return parsed.config
}

export async function startTask(config: TaskConfig, overrides: TaskOverrides = {}): Promise<MirroringTask> {
  // A signing key or certificate that cannot be read is a configuration error (exit 2), named by its option.
  checkTaskFiles(config)
  try {
    return await createMirroringTask(config, overrides)
  } catch (error) {
    return fail(firstLine(error))
  }
}
