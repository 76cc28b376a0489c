/** MySQL's identifier quoting, for the statements mysql2 runs without Kysely (CREATE DATABASE, LOAD DATA). */
export function quoteMysqlIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``
}
