import { serverEntry } from '../../server-entry.ts'
import { POSTGRES_CAPABILITIES } from './postgres-capabilities.ts'

/** `postgres://…`: a database per tenant, or a schema per tenant in the URL's database. */
export const postgresEntry = serverEntry({
  name: 'postgres',
  engine: 'PostgreSQL',
  schemes: ['postgres:', 'postgresql:'],
  capabilities: POSTGRES_CAPABILITIES,
  layouts: ['schema'],
  load: async (location, options) =>
    (await import('./postgres-mirror-databases.ts')).postgresMirrorDatabases(location, options),
})
