import pg from 'pg'
import { guardPgPool } from '../../../sql/driver-faults.ts'

export interface PostgresSourceLocation {
  readonly connectionString: string
  /** The schema whose tables are the source (`?schema=`, default `public`). */
  readonly schema: string
  /** Server and database without credentials, for messages. */
  readonly described: string
}

export function parsePostgresSourceUrl(url: string): PostgresSourceLocation {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error('a postgres source URL is postgres://user@host:port/database[?schema=name]')
  }
  const schema = parsed.searchParams.get('schema') ?? 'public'
  parsed.searchParams.delete('schema')
  if (schema === '') throw new Error('the schema of a postgres source URL is empty')
  return { connectionString: parsed.toString(), schema, described: `${parsed.host}${parsed.pathname}` }
}

/** bool, bytea, int2, int4, oid, float4, float8: pg's own parsers give the right JS value. */
const PARSED = new Set([16, 17, 21, 23, 26, 700, 701])
const asText = (text: string) => text

/**
 * This connection's type parsers (never the global `pg.types`, which other code shares): every
 * type but those above stays the text PostgreSQL printed (int8, numeric, dates and times,
 * json, uuid…), which the source then canonicalises exactly.
 */
export const SOURCE_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    PARSED.has(oid) ? pg.types.getTypeParser(oid, format ?? 'text') : asText) as pg.CustomTypesConfig['getTypeParser'],
}

export function sourcePool(location: PostgresSourceLocation): pg.Pool {
  return guardPgPool(new pg.Pool({ connectionString: location.connectionString, types: SOURCE_TYPES, max: 4 }))
}

export const quoteId = (name: string) => pg.escapeIdentifier(name)
export const quoteLiteral = (text: string) => pg.escapeLiteral(text)
