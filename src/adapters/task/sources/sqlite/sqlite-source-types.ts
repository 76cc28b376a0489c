import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { parseSqlServerType } from '../../../../domain/schema/sql-server-type.ts'
import { keyableType } from '../source-schema.ts'

const BIGINT: ColumnType = { kind: 'integer', size: 'bigint' }
const UNICODE_MAX: ColumnType = { kind: 'string', unicode: true, fixed: false, length: 'max' }
const FLOAT: ColumnType = { kind: 'float', size: 'float' }
const BLOB: ColumnType = { kind: 'binary', fixed: false, length: 'max' }
const LOOSE_DECIMAL: ColumnType = { kind: 'decimal', name: 'decimal', precision: 38, scale: 10 }

/**
 * SQLite's own spellings, whose SQL Server reading would be wrong or does not exist: SQLite
 * integers are 64-bit, its REAL is 8 bytes, its TEXT is Unicode without a limit.
 */
const NATIVE: Readonly<Record<string, ColumnType>> = {
  '': UNICODE_MAX,
  INTEGER: BIGINT,
  INT8: BIGINT,
  'UNSIGNED BIG INT': BIGINT,
  MEDIUMINT: { kind: 'integer', size: 'int' },
  INT4: { kind: 'integer', size: 'int' },
  INT2: { kind: 'integer', size: 'smallint' },
  TEXT: UNICODE_MAX,
  CLOB: UNICODE_MAX,
  JSON: UNICODE_MAX,
  REAL: FLOAT,
  DOUBLE: FLOAT,
  'DOUBLE PRECISION': FLOAT,
  BLOB: BLOB,
  BOOLEAN: { kind: 'bit' },
  BOOL: { kind: 'bit' },
  TIMESTAMP: { kind: 'datetime2', precision: 7 },
  NUMERIC: LOOSE_DECIMAL,
  DECIMAL: LOOSE_DECIMAL,
  UUID: { kind: 'uniqueidentifier' },
  GUID: { kind: 'uniqueidentifier' },
}

/** Standard SQL spellings SQLite accepts for character columns, with a length. */
const SIZED_CHARACTERS = /^(CHARACTER|NATIVE CHARACTER|VARYING CHARACTER|CHARACTER VARYING)\s*\(\s*(\d+)\s*\)$/

/**
 * The SQL Server type a SQLite column is reported as (docs/sources.md). In order: SQLite's own
 * spellings above; any declared type that is already a SQL Server type string, taken as is (so
 * a source can carry SuperOffice's exact types); then SQLite's affinity rules. A key column of
 * an unbounded type is given SQL Server's longest key type, since no mirror can key on `max`.
 */
export function sqlServerTypeOf(declared: string, isKey: boolean): ColumnType {
  const type = mapDeclared(declared)
  return isKey ? keyableType(type) : type
}

function mapDeclared(declared: string): ColumnType {
  const normal = declared.trim().replace(/\s+/g, ' ').toUpperCase()
  const native = NATIVE[normal]
  if (native) return native
  const sized = SIZED_CHARACTERS.exec(normal)
  if (sized) {
    const length = Number(sized[2])
    const fixed = !sized[1]!.includes('VARYING')
    return length >= 1 && length <= 4000 ? { kind: 'string', unicode: true, fixed, length } : UNICODE_MAX
  }
  const sqlServer = parseSqlServerType(declared)
  if (sqlServer.ok) return sqlServer.value
  return byAffinity(normal)
}

/** SQLite's column affinity rules (datatype3.html §3.1), each mapped to the widest fitting type. */
function byAffinity(normal: string): ColumnType {
  if (normal.includes('INT')) return BIGINT
  if (normal.includes('CHAR') || normal.includes('CLOB') || normal.includes('TEXT')) return UNICODE_MAX
  if (normal.includes('BLOB')) return BLOB
  if (normal.includes('REAL') || normal.includes('FLOA') || normal.includes('DOUB')) return FLOAT
  return LOOSE_DECIMAL
}
