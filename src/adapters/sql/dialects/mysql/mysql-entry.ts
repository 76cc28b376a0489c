import { serverEntry } from '../../server-entry.ts'
import { MYSQL_CAPABILITIES } from './mysql-capabilities.ts'

/** `mysql://…` (`mariadb://…` too): a database per tenant. */
export const mysqlEntry = serverEntry({
  name: 'mysql',
  engine: 'MySQL/MariaDB',
  schemes: ['mysql:', 'mariadb:'],
  capabilities: MYSQL_CAPABILITIES,
  load: async (location, options) =>
    (await import('./mysql-mirror-databases.ts')).mysqlMirrorDatabases(location, options),
})
