import { z } from 'zod'
import { DEFAULT_STOP_WINDOW, parseStopWindow, type StopWindow } from '../../domain/task/schedule.ts'
import type { LogLevel } from '../system/pino-logger.ts'

/** The Mirroring Task's settings (`task run`, `task schedule`), validated once at start-up. */
export interface TaskConfig {
  /** Where applications, tenants, approvals and events live: `sqlite:<file>` or `postgres://…`. */
  readonly registry: string
  /** The federated-login private key that signs every SignedToken (PEM). */
  readonly signingKeyFile: string
  /** Its certificate (PEM), whose thumbprint becomes the tokens' kid and x5t. */
  readonly signingCertFile: string
  /** Only applications of this environment are served: its key is the one the task holds. */
  readonly environment: string
  readonly intervalMs: number
  readonly stopWindow: StopWindow | undefined
  /** Cycles of different pairs run at once at most this many. */
  readonly concurrency: number
  /** How long one SOAP call may take. */
  readonly callTimeoutMs: number
  /** RowData calls of one table's full reload on their way at once (1: strictly one after another). */
  readonly callsInFlight: number
  readonly logLevel: LogLevel
  /** A pg-boss queue in PostgreSQL shared by schedulers and workers on several machines; in-process without. */
  readonly queue: QueueConfig | undefined
}

export interface QueueConfig {
  readonly url: string
  readonly heartbeatSeconds: number
  /** Derived from the call timeout unless given: ten calls' worth. */
  readonly expirySeconds: number
  readonly retryLimit: number
  readonly retryDelaySeconds: number
}

export const TASK_DEFAULTS = {
  registry: 'sqlite:./data/registry.sqlite',
  environment: 'development',
  intervalMinutes: '20',
  stopWindow: '01:30-03:00',
  concurrency: '4',
  callTimeoutSeconds: '600',
  callsInFlight: '4',
  logLevel: 'info',
  jobHeartbeatSeconds: '30',
  jobRetries: '3',
  jobRetryDelaySeconds: '30',
} as const

const positive = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .positive(`${what} must be positive`)
    .finite(`${what} must be a number`)

const schema = z.object({
  registry: z.string().regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, '--registry must be sqlite:<file> or postgres://…'),
  signingKey: z
    .string({ error: '--signing-key is required (the federated-login private key, PEM)' })
    .min(1, '--signing-key is required'),
  signingCert: z
    .string({ error: '--signing-cert is required (the federated-login certificate, PEM)' })
    .min(1, '--signing-cert is required'),
  environment: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, '--environment must be a plain name'),
  intervalMinutes: positive('--interval'),
  stopWindow: z.string().transform((value, ctx) => {
    if (value === 'none') return undefined
    const window = parseStopWindow(value)
    if (!window) ctx.addIssue({ code: 'custom', message: `--stop-window '${value}' is not HH:MM-HH:MM or none` })
    return window ?? DEFAULT_STOP_WINDOW
  }),
  concurrency: positive('--concurrency').int('--concurrency must be a whole number').max(256),
  callTimeoutSeconds: positive('--call-timeout'),
  callsInFlight: positive('--calls-in-flight')
    .int('--calls-in-flight must be a whole number')
    .max(8, '--calls-in-flight must be at most 8')
    .default(4),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: '--log-level must be fatal, error, warn, info, debug, trace or silent',
  }),
  queue: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, '--queue must be a postgres://… URL (pg-boss keeps the jobs there)')
    .optional(),
  jobHeartbeatSeconds: positive('--job-heartbeat')
    .int('--job-heartbeat must be whole seconds')
    .min(10, '--job-heartbeat must be at least 10 seconds')
    .default(30),
  jobExpirySeconds: positive('--job-expiry').int('--job-expiry must be whole seconds').optional(),
  jobRetryDelaySeconds: positive('--job-retry-delay').int('--job-retry-delay must be whole seconds').default(30),
  jobRetries: z.coerce
    .number({ error: '--job-retries must be a number' })
    .int('--job-retries must be a whole number')
    .min(0)
    .max(100)
    .default(3),
})

export function parseTaskConfig(
  raw: Record<string, unknown>,
): { ok: true; config: TaskConfig } | { ok: false; error: string } {
  const parsed = schema.safeParse(raw)
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid configuration' }
  const o = parsed.data
  return {
    ok: true,
    config: {
      registry: o.registry,
      signingKeyFile: o.signingKey,
      signingCertFile: o.signingCert,
      environment: o.environment,
      intervalMs: o.intervalMinutes * 60_000,
      stopWindow: o.stopWindow,
      concurrency: o.concurrency,
      callTimeoutMs: o.callTimeoutSeconds * 1000,
      callsInFlight: o.callsInFlight,
      logLevel: o.logLevel,
      queue: o.queue
        ? {
            url: o.queue,
            heartbeatSeconds: o.jobHeartbeatSeconds,
            expirySeconds: o.jobExpirySeconds ?? Math.ceil(o.callTimeoutSeconds * 10),
            retryLimit: o.jobRetries,
            retryDelaySeconds: o.jobRetryDelaySeconds,
          }
        : undefined,
    },
  }
}
