import type { DatabaseLocation, FederatedKeys, ServiceConfig } from './config.ts'

/** The options a program must give: who the service is, its keys, and where mirrors live. */
type RequiredOptions = 'clientId' | 'privateKeyFile' | 'federated' | 'database'

/**
 * What a program gives `createMirroringService` (and may give `parseServiceConfig`): the
 * ServiceConfig's own field names and units, every one but the four required taking the CLI's
 * default. `database` and `keyColumns` may be given as the CLI writes them.
 */
export type ServiceOptions = Partial<Omit<ServiceConfig, RequiredOptions | 'keyColumns'>> & {
  readonly clientId: string
  readonly privateKeyFile: string
  readonly federated: FederatedKeys
  /** `sqlite:<dir>`, `memory:`, `postgres://…`, `mysql://…`, `mssql://…`, or a parsed location. */
  readonly database: string | DatabaseLocation
  /** `table=col[+col],...`, or table (lower case) → key columns. */
  readonly keyColumns?: string | ReadonlyMap<string, readonly string[]>
  /** PostgreSQL given as a URL: a database per tenant (the default) or a schema per tenant. */
  readonly tenantLayout?: 'database' | 'schema'
}

/** ServiceConfig fields the parser reads under the CLI flag's name, in the same unit. */
const FLAG_NAMES: Readonly<Record<string, string>> = {
  databaseNameTemplate: 'databaseName',
  privateKeyFile: 'privateKey',
  clockSkewSeconds: 'clockSkew',
  maxTokenLifetimeSeconds: 'maxTokenLifetime',
}

/**
 * Options named as ServiceConfig names them, renamed to the fields the parser reads; options
 * already named as the CLI names them pass unchanged, and undefined ones are left out so that
 * the defaults apply. The parser reads the millisecond fields under their own names, since
 * the CLI's flags count whole seconds or minutes.
 */
export function parserFieldsOf(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue
    if (name === 'federated' && isFederatedKeys(value)) {
      if (value.kind === 'environment') fields.superofficeEnv = value.environment
      else fields.federatedCert = value.files
    } else if (name === 'stateRetention' && isRetention(value)) {
      fields.stateRetentionDays = value.days
      fields.stateRowsPerTenant = value.rowsPerTenant
    } else {
      fields[FLAG_NAMES[name] ?? name] = value
    }
  }
  return fields
}

function isFederatedKeys(value: unknown): value is FederatedKeys {
  const kind = (value as { kind?: unknown } | null)?.kind
  return kind === 'environment' || kind === 'files'
}

function isRetention(value: unknown): value is ServiceConfig['stateRetention'] {
  return typeof value === 'object' && value !== null && 'days' in value && 'rowsPerTenant' in value
}
