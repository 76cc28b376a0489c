import { z } from 'zod'
import type { Retention } from '../../application/ports/service-state.port.ts'
import type { StaleBatchPolicy } from '../../domain/changes/lsn.ts'
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from '../../domain/handshake/token-claims.ts'
import { SUPEROFFICE_ENVIRONMENTS, type SuperOfficeEnvironment } from '../crypto/verification-keys.ts'
import { acceptedForms, type DatabaseLocation, layoutProblem, parseDatabaseLocation } from '../sql/database-location.ts'
import { DEFAULT_DATABASE_TEMPLATE } from '../sql/database-naming.ts'
import { LONGEST_CONTEXT_ID, roomForContextId, templateProblem, tenantNameRules } from '../sql/tenant-naming.ts'
import type { LogLevel } from '../system/pino-logger.ts'
import { parserFieldsOf, type ServiceOptions } from './service-options.ts'

export type FederatedKeys =
  | { readonly kind: 'environment'; readonly environment: SuperOfficeEnvironment }
  | { readonly kind: 'files'; readonly files: readonly string[] }

export type { DatabaseLocation }

/** The client service's settings, validated once at start-up. */
export interface ServiceConfig {
  readonly port: number
  readonly host: string
  readonly path: string
  readonly database: DatabaseLocation
  readonly databaseNameTemplate: string
  /** Longest context id served: what the template leaves room for, or less (--max-context-id-length). */
  readonly maxContextIdLength: number
  readonly clientId: string
  readonly privateKeyFile: string
  readonly federated: FederatedKeys
  readonly clockSkewSeconds: number
  /** Longest token lifetime (nbf to exp) accepted. */
  readonly maxTokenLifetimeSeconds: number
  readonly maxBodyBytes: number
  /** Request-body bytes all calls in flight may hold together; past it a call is answered busy. */
  readonly maxInflightBytes: number
  /** Calls that may be read and applied at once; past it a call waits, then is answered busy. */
  readonly maxInflightCalls: number
  /** Longest a request body may take to arrive, and the longest pause inside it. */
  readonly bodyTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly maxXmlDepth: number
  readonly maxXmlElements: number
  readonly logLevel: LogLevel
  /** Key columns per table name (lower case), overriding the first-column rule. */
  readonly keyColumns: ReadonlyMap<string, readonly string[]>
  readonly maxOpenDatabases: number
  readonly idleDatabaseMs: number
  /** A RowData batch older than its table's stored LSN: acknowledged unwritten, or applied. */
  readonly staleBatches: StaleBatchPolicy
  /** Guards the dashboard under /admin; without it there is no dashboard. */
  readonly adminToken?: string
  /** Where nonces, pauses and the dashboard's activity live: `sqlite:<file>`, `postgres://…` or `memory:`. */
  readonly state: string
  readonly stateRetention: Retention
  /** A tenant without a completed cycle for this long shows as stale. */
  readonly staleAfterMs: number
  /** Per-tenant series on /metrics; off for very many tenants. */
  readonly metricsTenantLabels: boolean
  /**
   * Each mirror commit waits for the engine's flush to disk (PostgreSQL `synchronous_commit`,
   * SQLite `synchronous = FULL`). Off, a crash of the database server or machine may lose the
   * last commits, each whole with its LSN, and the next cycle sends them again.
   */
  readonly durableCommits: boolean
  /** How long start-up waits for the mirror server and the state store to answer. */
  readonly waitForDatabaseMs: number
}

const positive = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be an integer`)
    .positive(`${what} must be positive`)

export const DEFAULTS = {
  port: 8080,
  host: '0.0.0.0',
  path: '/MirroringClientService.svc',
  database: 'sqlite:./data',
  tenantLayout: 'database',
  databaseNameTemplate: DEFAULT_DATABASE_TEMPLATE,
  clockSkewSeconds: 60,
  maxTokenLifetimeSeconds: DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  // A SuperOffice call is about 1 MB (BatchSize) and a TableSchema under 1 MB; a call holds up
  // to about 2.5 times its body while it is applied (README, Security), so 32 MiB of calls in
  // flight keep a service near 256 MB.
  maxBodyBytes: 32 * 1024 * 1024,
  maxInflightBytes: 32 * 1024 * 1024,
  // One thread parses and applies; a few calls at once keep it and the database busy, and more
  // only hold memory (50 tenants' calls at once: 400-560 MB, npm run bench -- --only tenants).
  maxInflightCalls: 8,
  /** What may precede the operation element: the SOAP Header with its token (about 1.5 KB). */
  maxHeaderBytes: 64 * 1024,
  bodyTimeoutSeconds: 60,
  idleTimeoutSeconds: 15,
  maxXmlDepth: 64,
  maxXmlElements: 4_000_000,
  logLevel: 'info',
  maxOpenDatabases: 256,
  idleDatabaseMs: 5 * 60_000,
  staleBatches: 'skip',
  stateRetentionDays: 14,
  stateRowsPerTenant: 1000,
  staleAfterMinutes: 60,
  metricsTenantLabels: true,
  durableCommits: false,
  waitForDatabaseSeconds: 0,
} as const

/**
 * DEFAULTS under the names the parser reads (the CLI's), for the options a program leaves out;
 * the CLI gives every one of them itself. The database has no default here: a program names it.
 */
const PARSER_DEFAULTS: Readonly<Record<string, unknown>> = {
  port: DEFAULTS.port,
  host: DEFAULTS.host,
  path: DEFAULTS.path,
  tenantLayout: DEFAULTS.tenantLayout,
  databaseName: DEFAULTS.databaseNameTemplate,
  clockSkew: DEFAULTS.clockSkewSeconds,
  maxTokenLifetime: DEFAULTS.maxTokenLifetimeSeconds,
  maxBodyBytes: DEFAULTS.maxBodyBytes,
  maxInflightBytes: DEFAULTS.maxInflightBytes,
  maxInflightCalls: DEFAULTS.maxInflightCalls,
  bodyTimeout: DEFAULTS.bodyTimeoutSeconds,
  idleTimeout: DEFAULTS.idleTimeoutSeconds,
  maxXmlDepth: DEFAULTS.maxXmlDepth,
  maxXmlElements: DEFAULTS.maxXmlElements,
  logLevel: DEFAULTS.logLevel,
  maxOpenDatabases: DEFAULTS.maxOpenDatabases,
  idleDatabaseSeconds: DEFAULTS.idleDatabaseMs / 1000,
  staleBatches: DEFAULTS.staleBatches,
  stateRetentionDays: DEFAULTS.stateRetentionDays,
  stateRowsPerTenant: DEFAULTS.stateRowsPerTenant,
  staleAfter: DEFAULTS.staleAfterMinutes,
  metricsTenantLabels: DEFAULTS.metricsTenantLabels,
  durableCommits: DEFAULTS.durableCommits,
  waitForDatabase: DEFAULTS.waitForDatabaseSeconds,
}

/** A duration a program gives in milliseconds (ServiceConfig's unit), where the CLI counts seconds. */
const milliseconds = (name: string, least: 0 | 1, most = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `${name} must be a number of milliseconds` })
    .int(`${name} must be whole milliseconds`)
    .min(least, `${name} must be ${least === 0 ? '0 or more' : 'positive'}`)
    .max(most, `${name} must be at most ${most}`)
    .optional()

const isLocation = (value: unknown): value is DatabaseLocation =>
  typeof (value as { kind?: unknown } | null)?.kind === 'string'

/**
 * The state store when --state is not given: next to SQLite mirrors (in a folder no mirror
 * file can be named like), in memory with `memory:` mirrors, else in ./data.
 */
export function defaultState(database: DatabaseLocation): string {
  if (database.kind === 'memory') return 'memory:'
  if (database.kind === 'sqlite') return `sqlite:${database.dir}/.tenant-mirror/state.sqlite`
  return 'sqlite:./data/state.sqlite'
}

const schema = z.object({
  port: z.coerce
    .number({ error: '--port must be a number' })
    .int('--port must be an integer')
    .min(0, '--port must be 0 (any free port) to 65535')
    .max(65535, '--port must be at most 65535'),
  host: z.string().min(1, '--host must not be empty'),
  path: z.string().regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$/, '--path must be a URL path starting with /'),
  database: z.union([z.string(), z.custom<DatabaseLocation>(isLocation)], {
    error: `--database is required: ${acceptedForms()}`,
  }),
  tenantLayout: z.enum(['database', 'schema'], { error: '--tenant-layout must be database or schema' }),
  databaseName: z
    .string()
    .refine((t) => t.includes('{contextId}') || t.includes('[@contextId]'), '--database-name must contain {contextId}'),
  clientId: z
    .string({ error: '--client-id is required (the application id SuperOffice issued)' })
    .regex(/^[A-Za-z0-9_-]{1,128}$/, '--client-id must be the application id, letters and digits'),
  privateKey: z
    .string({ error: '--private-key is required (PEM or RSAKeyValue XML file)' })
    .min(1, '--private-key is required'),
  superofficeEnv: z
    .enum(SUPEROFFICE_ENVIRONMENTS, { error: '--superoffice-env must be development, stage or production' })
    .optional(),
  federatedCert: z.array(z.string()).optional(),
  clockSkew: z.coerce.number({ error: '--clock-skew must be a number' }).int().min(0).max(3600),
  maxTokenLifetime: positive('--max-token-lifetime').max(31_536_000, '--max-token-lifetime must be at most a year'),
  maxBodyBytes: positive('--max-body-bytes'),
  maxInflightBytes: positive('--max-inflight-bytes'),
  maxInflightCalls: positive('--max-inflight-calls'),
  bodyTimeout: positive('--body-timeout').max(3600, '--body-timeout must be at most 3600 seconds'),
  idleTimeout: positive('--idle-timeout').max(3600, '--idle-timeout must be at most 3600 seconds'),
  maxXmlDepth: positive('--max-xml-depth').max(10_000),
  maxXmlElements: positive('--max-xml-elements'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: '--log-level must be fatal, error, warn, info, debug, trace or silent',
  }),
  keyColumns: z
    .union([z.string(), z.custom<ReadonlyMap<string, readonly string[]>>((value) => value instanceof Map)])
    .optional()
    .transform((value, ctx) => {
      if (value !== undefined && typeof value !== 'string') return lowerCaseKeys(value)
      const parsed = parseKeyColumns(value ?? '')
      if (!parsed) ctx.addIssue({ code: 'custom', message: `--key-columns '${value}' is not table=col[+col],...` })
      return parsed ?? new Map()
    }),
  maxOpenDatabases: positive('--max-open-databases'),
  idleDatabaseSeconds: positive('--idle-database-seconds'),
  staleBatches: z.enum(['skip', 'apply'], { error: '--stale-batches must be skip or apply' }).default('skip'),
  adminToken: z.string().min(16, '--admin-token must be at least 16 characters').optional(),
  state: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+|memory:?)$/, '--state must be sqlite:<file>, postgres://… or memory:')
    .optional(),
  stateRetentionDays: positive('--state-retention-days').max(3650),
  stateRowsPerTenant: positive('--state-rows-per-tenant'),
  staleAfter: positive('--stale-after'),
  metricsTenantLabels: z.boolean().default(true),
  durableCommits: z.boolean({ error: '--durable-commits takes no value' }).default(false),
  waitForDatabase: z.coerce
    .number({ error: '--wait-for-database must be a number of seconds' })
    .int('--wait-for-database must be whole seconds')
    .min(0, '--wait-for-database must be 0 or more')
    .max(3600, '--wait-for-database must be at most 3600')
    .default(0),
  maxContextIdLength: positive('--max-context-id-length')
    .max(LONGEST_CONTEXT_ID, `--max-context-id-length must be at most ${LONGEST_CONTEXT_ID}`)
    .optional(),
  // ServiceConfig's own millisecond fields, which a program may give instead of the CLI's seconds.
  bodyTimeoutMs: milliseconds('bodyTimeoutMs', 1, 3_600_000),
  idleTimeoutMs: milliseconds('idleTimeoutMs', 1, 3_600_000),
  idleDatabaseMs: milliseconds('idleDatabaseMs', 1),
  staleAfterMs: milliseconds('staleAfterMs', 1),
  waitForDatabaseMs: milliseconds('waitForDatabaseMs', 0, 3_600_000),
})

export type RawServiceOptions = z.input<typeof schema>

/**
 * Validates options: the CLI's flags (environment variables already folded in), or a program's
 * `ServiceOptions` named as ServiceConfig names its fields. What is left out takes its default;
 * the error is one line.
 */
export function parseServiceConfig(
  raw: Readonly<Record<string, unknown>> | ServiceOptions,
): { ok: true; config: ServiceConfig } | { ok: false; error: string } {
  const parsed = schema.safeParse({ ...PARSER_DEFAULTS, ...parserFieldsOf(raw) })
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid configuration' }
  const o = parsed.data
  const database = typeof o.database === 'string' ? parseDatabaseLocation(o.database, o.tenantLayout) : o.database
  if (!database) return { ok: false, error: `--database '${redact(String(o.database))}' is not ${acceptedForms()}` }
  const layout = layoutProblem(database, o.tenantLayout)
  if (layout) return { ok: false, error: layout }
  if (o.maxBodyBytes > o.maxInflightBytes) {
    return {
      ok: false,
      error: `--max-body-bytes (${o.maxBodyBytes}) must not exceed --max-inflight-bytes (${o.maxInflightBytes}): a call that large could never be let in`,
    }
  }
  const rules = tenantNameRules(database)
  const naming = rules && templateProblem(o.databaseName, rules, o.maxContextIdLength)
  if (naming) return { ok: false, error: naming }
  const certs = o.federatedCert?.filter((f) => f !== '') ?? []
  if (!o.superofficeEnv && certs.length === 0) {
    return {
      ok: false,
      error: '--superoffice-env or --federated-cert is required (which certificate signs the tokens)',
    }
  }
  if (o.superofficeEnv && certs.length > 0) {
    return { ok: false, error: 'give either --superoffice-env or --federated-cert, not both' }
  }
  return {
    ok: true,
    config: {
      port: o.port,
      host: o.host,
      path: o.path,
      database,
      databaseNameTemplate: o.databaseName,
      maxContextIdLength:
        o.maxContextIdLength ?? (rules ? roomForContextId(o.databaseName, rules) : LONGEST_CONTEXT_ID),
      clientId: o.clientId,
      privateKeyFile: o.privateKey,
      federated: o.superofficeEnv
        ? { kind: 'environment', environment: o.superofficeEnv }
        : { kind: 'files', files: certs },
      clockSkewSeconds: o.clockSkew,
      maxTokenLifetimeSeconds: o.maxTokenLifetime,
      maxBodyBytes: o.maxBodyBytes,
      maxInflightBytes: o.maxInflightBytes,
      maxInflightCalls: o.maxInflightCalls,
      bodyTimeoutMs: o.bodyTimeoutMs ?? o.bodyTimeout * 1000,
      idleTimeoutMs: o.idleTimeoutMs ?? o.idleTimeout * 1000,
      maxXmlDepth: o.maxXmlDepth,
      maxXmlElements: o.maxXmlElements,
      logLevel: o.logLevel,
      keyColumns: o.keyColumns,
      maxOpenDatabases: o.maxOpenDatabases,
      idleDatabaseMs: o.idleDatabaseMs ?? o.idleDatabaseSeconds * 1000,
      staleBatches: o.staleBatches,
      ...(o.adminToken ? { adminToken: o.adminToken } : {}),
      state: o.state ?? defaultState(database),
      stateRetention: { days: o.stateRetentionDays, rowsPerTenant: o.stateRowsPerTenant },
      staleAfterMs: o.staleAfterMs ?? o.staleAfter * 60_000,
      metricsTenantLabels: o.metricsTenantLabels,
      durableCommits: o.durableCommits,
      waitForDatabaseMs: o.waitForDatabaseMs ?? o.waitForDatabase * 1000,
    },
  }
}

/** A database setting as it may be shown: any password in a URL is masked. */
function redact(value: string): string {
  return value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
}

/** Key columns a program gives as a map, keyed as the parser keys them (lower-case table names). */
function lowerCaseKeys(map: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
  return new Map([...map].map(([table, columns]) => [table.toLowerCase(), columns]))
}

/** `contact=contact_id,udef=table_id+field_id` → table → key columns. */
export function parseKeyColumns(value: string): Map<string, readonly string[]> | undefined {
  const map = new Map<string, readonly string[]>()
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(entry)
    if (!m) return undefined
    map.set(m[1]!.toLowerCase(), m[2]!.split('+'))
  }
  return map
}
