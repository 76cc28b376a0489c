import type { ColumnType } from '../../../../domain/schema/column-type.ts'
import { keyableType } from '../source-schema.ts'

const UNICODE_MAX: ColumnType = { kind: 'string', unicode: true, fixed: false, length: 'max' }
/** PostgreSQL keeps microseconds when a precision is not given. */
const DEFAULT_PRECISION = 6

const FIXED: Readonly<Record<string, ColumnType>> = {
  int2: { kind: 'integer', size: 'smallint' },
  int4: { kind: 'integer', size: 'int' },
  int8: { kind: 'integer', size: 'bigint' },
  bool: { kind: 'bit' },
  float4: { kind: 'float', size: 'real' },
  float8: { kind: 'float', size: 'float' },
  text: UNICODE_MAX,
  bytea: { kind: 'binary', fixed: false, length: 'max' },
  date: { kind: 'date' },
  uuid: { kind: 'uniqueidentifier' },
  xml: { kind: 'xml' },
  json: UNICODE_MAX,
  jsonb: UNICODE_MAX,
}

/**
 * The SQL Server type a PostgreSQL column is reported as (docs/sources.md), from its base type's
 * name and type modifier (`atttypmod`). Types SQL Server has no counterpart for travel as
 * nvarchar(max) text. A key column of an unbounded type takes SQL Server's longest key type.
 */
export function sqlServerTypeOf(typeName: string, typmod: number, isKey: boolean): ColumnType {
  const type = mapType(typeName, typmod)
  return isKey ? keyableType(type) : type
}

function mapType(typeName: string, typmod: number): ColumnType {
  const fixed = FIXED[typeName]
  if (fixed) return fixed
  switch (typeName) {
    case 'numeric':
      return numeric(typmod)
    case 'varchar':
      return characters(typmod, false)
    case 'bpchar':
      return characters(typmod, true)
    case 'timestamp':
      return { kind: 'datetime2', precision: precision(typmod) }
    case 'timestamptz':
      return { kind: 'datetimeoffset', precision: precision(typmod) }
    case 'time':
      return { kind: 'time', precision: precision(typmod) }
    default:
      return UNICODE_MAX
  }
}

/**
 * numeric(p,s) within SQL Server's limits is decimal(p,s). Unconstrained numeric becomes
 * decimal(38,10), and a value with more digits than that fails with a clear error; a numeric
 * SQL Server cannot declare (p > 38, negative scale, s > p) travels as exact text.
 */
function numeric(typmod: number): ColumnType {
  if (typmod < 0) return { kind: 'decimal', name: 'decimal', precision: 38, scale: 10 }
  const precision = ((typmod - 4) >> 16) & 0xffff
  const raw = (typmod - 4) & 0xffff
  const scale = raw > 0x7fff ? raw - 0x10000 : raw
  if (precision < 1 || precision > 38 || scale < 0 || scale > precision) return UNICODE_MAX
  return { kind: 'decimal', name: 'decimal', precision, scale }
}

function characters(typmod: number, fixed: boolean): ColumnType {
  const length = typmod < 0 ? (fixed ? 1 : 'max') : typmod - 4
  if (length !== 'max' && length > 4000) return UNICODE_MAX
  return { kind: 'string', unicode: true, fixed, length }
}

function precision(typmod: number): number {
  return typmod < 0 ? DEFAULT_PRECISION : Math.min(typmod, 7)
}
