import { type Command, Option } from 'commander'
import { DEFAULTS } from '../bootstrap/config.ts'

/**
 * The client service's options, shared by `serve` and `replay`. Every flag has an environment
 * variable; a flag wins over its variable, which wins over the default.
 */
export function addServiceOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--database <location>',
        'where mirrors live: sqlite:<dir>, postgres://…, mysql://…, mssql://… or memory:',
      )
        .env('MIRROR_DATABASE')
        .default(DEFAULTS.database),
    )
    .addOption(
      new Option(
        '--tenant-layout <layout>',
        'postgres only: a database per tenant, or a schema per tenant in one database',
      )
        .choices(['database', 'schema'])
        .env('MIRROR_TENANT_LAYOUT')
        .default(DEFAULTS.tenantLayout),
    )
    .addOption(
      new Option('--database-name <template>', 'mirror database name; {contextId} is replaced')
        .env('MIRROR_DATABASE_NAME')
        .default(DEFAULTS.databaseNameTemplate),
    )
    .addOption(
      new Option(
        '--max-context-id-length <n>',
        'longest context id served (default: what --database-name leaves room for, at most 64)',
      ).env('MIRROR_MAX_CONTEXT_ID_LENGTH'),
    )
    .addOption(
      new Option('--client-id <id>', 'the application id (client id) SuperOffice issued').env('MIRROR_CLIENT_ID'),
    )
    .addOption(
      new Option('--private-key <file>', 'partner private key: PEM or .NET RSAKeyValue XML').env('MIRROR_PRIVATE_KEY'),
    )
    .addOption(
      new Option('--superoffice-env <env>', 'verify tokens with the bundled certificate of this environment')
        .choices(['development', 'stage', 'production'])
        .env('MIRROR_SUPEROFFICE_ENV'),
    )
    .addOption(
      new Option(
        '--federated-cert <file>',
        'verify tokens with this certificate (PEM/DER) or PEM public key; repeatable',
      )
        .env('MIRROR_FEDERATED_CERT')
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(
      new Option('--clock-skew <seconds>', 'allowed clock difference for token lifetimes')
        .env('MIRROR_CLOCK_SKEW')
        .default(String(DEFAULTS.clockSkewSeconds)),
    )
    .addOption(
      new Option('--max-token-lifetime <seconds>', 'longest token lifetime (nbf to exp) accepted')
        .env('MIRROR_MAX_TOKEN_LIFETIME')
        .default(String(DEFAULTS.maxTokenLifetimeSeconds)),
    )
    .addOption(
      new Option('--max-body-bytes <n>', 'largest request body accepted')
        .env('MIRROR_MAX_BODY_BYTES')
        .default(String(DEFAULTS.maxBodyBytes)),
    )
    .addOption(
      new Option('--max-inflight-bytes <n>', 'request-body bytes of all calls in flight; past it calls are told busy')
        .env('MIRROR_MAX_INFLIGHT_BYTES')
        .default(String(DEFAULTS.maxInflightBytes)),
    )
    .addOption(
      new Option('--max-inflight-calls <n>', 'calls read and applied at once; past it calls wait, then are told busy')
        .env('MIRROR_MAX_INFLIGHT_CALLS')
        .default(String(DEFAULTS.maxInflightCalls)),
    )
    .addOption(
      new Option('--body-timeout <seconds>', 'longest a request body may take to arrive')
        .env('MIRROR_BODY_TIMEOUT')
        .default(String(DEFAULTS.bodyTimeoutSeconds)),
    )
    .addOption(
      new Option('--idle-timeout <seconds>', 'longest pause while a request body arrives')
        .env('MIRROR_IDLE_TIMEOUT')
        .default(String(DEFAULTS.idleTimeoutSeconds)),
    )
    .addOption(
      new Option('--max-xml-depth <n>', 'deepest XML nesting accepted')
        .env('MIRROR_MAX_XML_DEPTH')
        .default(String(DEFAULTS.maxXmlDepth)),
    )
    .addOption(
      new Option('--max-xml-elements <n>', 'most XML elements accepted in one request')
        .env('MIRROR_MAX_XML_ELEMENTS')
        .default(String(DEFAULTS.maxXmlElements)),
    )
    .addOption(
      new Option('--key-columns <list>', 'key columns overriding the first-column rule: table=col[+col],...').env(
        'MIRROR_KEY_COLUMNS',
      ),
    )
    .addOption(
      new Option('--max-open-databases <n>', 'tenant databases kept open at once')
        .env('MIRROR_MAX_OPEN_DATABASES')
        .default(String(DEFAULTS.maxOpenDatabases)),
    )
    .addOption(
      new Option('--idle-database-seconds <n>', 'close a tenant database unused for this long')
        .env('MIRROR_IDLE_DATABASE_SECONDS')
        .default(String(DEFAULTS.idleDatabaseMs / 1000)),
    )
    .addOption(
      new Option(
        '--state <url>',
        'nonces, pauses and dashboard activity: sqlite:<file>, postgres://… (replicas), memory:',
      ).env('MIRROR_STATE'),
    )
    .addOption(
      new Option('--state-retention-days <n>', 'days of activity kept (cycles, errors, schema changes, figures)')
        .env('MIRROR_STATE_RETENTION_DAYS')
        .default(String(DEFAULTS.stateRetentionDays)),
    )
    .addOption(
      new Option('--state-rows-per-tenant <n>', 'cycles, errors and schema changes kept per tenant')
        .env('MIRROR_STATE_ROWS_PER_TENANT')
        .default(String(DEFAULTS.stateRowsPerTenant)),
    )
    .addOption(
      new Option('--stale-after <minutes>', 'a tenant without a completed cycle this long shows as stale')
        .env('MIRROR_STALE_AFTER')
        .default(String(DEFAULTS.staleAfterMinutes)),
    )
    .addOption(
      new Option('--wait-for-database <seconds>', 'at start-up, wait this long for the mirror server and state store')
        .env('MIRROR_WAIT_FOR_DATABASE')
        .default('0'),
    )
    .addOption(
      new Option('--no-metrics-tenant-labels', 'no per-tenant series on /metrics (for very many tenants)').env(
        'MIRROR_NO_METRICS_TENANT_LABELS',
      ),
    )
    .addOption(
      new Option(
        '--durable-commits',
        "each mirror commit waits for the database's flush to disk (PostgreSQL, SQLite); off, a database crash may lose the last commits, which the next cycle sends again",
      ).env('MIRROR_DURABLE_COMMITS'),
    )
    .addOption(
      new Option(
        '--stale-batches <policy>',
        "a RowData batch older than its table's LSN: skip (acknowledge, write nothing) or apply",
      )
        .choices(['skip', 'apply'])
        .env('MIRROR_STALE_BATCHES')
        .default(DEFAULTS.staleBatches),
    )
}

/** Commander's option names → the config parser's raw fields. */
export function rawServiceOptions(options: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const certs = options.federatedCert
  return {
    port: DEFAULTS.port,
    host: DEFAULTS.host,
    path: DEFAULTS.path,
    logLevel: DEFAULTS.logLevel,
    ...options,
    federatedCert: typeof certs === 'string' ? [certs] : certs,
    ...extra,
  }
}
