import type { WireRow } from '../protocol/messages.ts'
import type { ColumnType } from '../schema/column-type.ts'
import type { TableSchema } from '../schema/table-schema.ts'
import { notDigitCode } from '../shared/digit-code.ts'
import type { CellValue, Row } from './cell-value.ts'
import type { RowOperation } from './change-batch.ts'
import { encodeWireValue } from './wire-value.ts'

/** Encodes one value of a column for the wire: exactly `encodeWireValue` for that column's type. */
export type WireValueEncoder = (value: CellValue) => string | null

/**
 * `encodeWireValue` for one column type, worked out once per column rather than once per
 * value: a full load encodes every value of millions of rows. The common shapes — integers
 * that are numbers or bigints, text, canonical `yyyy-MM-dd HH:mm:ss.fffffff` datetimes — are
 * encoded here; anything else (another JS type, another datetime shape, binary) goes to
 * `encodeWireValue`, which stays the single source of truth for what a value becomes and what
 * it refuses. Property-tested against it.
 */
export function wireValueEncoder(type: ColumnType): WireValueEncoder {
  switch (type.kind) {
    case 'integer':
      return type.size === 'smallint' ? smallint : integer
    case 'string':
    case 'text':
    case 'xml':
    case 'uniqueidentifier':
      return text
    case 'datetime':
    case 'datetime2':
    case 'datetimeoffset':
    case 'date':
      return (value) => (typeof value === 'string' ? dateTime(value, type) : encodeWireValue(value, type))
    default:
      return (value) => encodeWireValue(value, type)
  }
}

/**
 * Whether the wire form of `value` in a column of `type` is plain text for XML, with nothing to
 * escape: an integer given as a number (`[I:…]`, digits) or any date or datetime (`[DT:…]`, made
 * from its digits or formatted from its parts, else refused); text passed through for an integer
 * column may hold anything. A row's XML writer may skip its escape test for such values
 * (WireRow.plain). Property-tested against the escape.
 */
export function wireValueIsPlainXml(type: ColumnType, value: CellValue): boolean {
  switch (type.kind) {
    case 'integer':
      return typeof value === 'number' || typeof value === 'bigint'
    case 'datetime':
    case 'datetime2':
    case 'datetimeoffset':
    case 'date':
      return true
    default:
      return false
  }
}

const INT: ColumnType = { kind: 'integer', size: 'int' }
const SMALLINT: ColumnType = { kind: 'integer', size: 'smallint' }

function integer(value: CellValue): string | null {
  if (typeof value === 'number' || typeof value === 'bigint') return `[I:${value}]`
  return encodeWireValue(value, INT)
}

function smallint(value: CellValue): string | null {
  if (typeof value === 'number' || typeof value === 'bigint') return `[S:${value}]`
  return encodeWireValue(value, SMALLINT)
}

function text(value: CellValue): string | null {
  return typeof value === 'string' ? value : value === null ? null : String(value)
}

const at = (text: string, i: number) => text.charCodeAt(i)

/**
 * Whether `value` is `yyyy-MM-dd HH:mm:ss.fffffff` with a digit wherever a digit belongs: the
 * text a datetime's wire form is made from by position (`[DT:MM/dd/yyyy HH:mm:ss.fffffff]`).
 * Anything else goes `encodeWireValue`'s full way, which reads it or refuses it.
 */
export function isCanonicalDateTime(value: string): boolean {
  if (value.length !== 27) return false
  const separators =
    (at(value, 4) ^ 45) |
    (at(value, 7) ^ 45) |
    (at(value, 10) ^ 32) |
    (at(value, 13) ^ 58) |
    (at(value, 16) ^ 58) |
    (at(value, 19) ^ 46)
  // biome-ignore format: one digit a term.
  const digits =
    notDigitCode(at(value, 0)) | notDigitCode(at(value, 1)) | notDigitCode(at(value, 2)) |
    notDigitCode(at(value, 3)) | notDigitCode(at(value, 5)) | notDigitCode(at(value, 6)) |
    notDigitCode(at(value, 8)) | notDigitCode(at(value, 9)) | notDigitCode(at(value, 11)) |
    notDigitCode(at(value, 12)) | notDigitCode(at(value, 14)) | notDigitCode(at(value, 15)) |
    notDigitCode(at(value, 17)) | notDigitCode(at(value, 18)) | notDigitCode(at(value, 20)) |
    notDigitCode(at(value, 21)) | notDigitCode(at(value, 22)) | notDigitCode(at(value, 23)) |
    notDigitCode(at(value, 24)) | notDigitCode(at(value, 25)) | notDigitCode(at(value, 26))
  return separators === 0 && digits >= 0
}

/**
 * `yyyy-MM-dd HH:mm:ss.fffffff` → `[DT:MM/dd/yyyy HH:mm:ss.fffffff]`, the result made as one
 * flat string, which the XML writer's escape test then scans without first flattening a rope of
 * slices. Exactly `encodeWireValue`'s rearrangement by position; other text goes the full way.
 */
function dateTime(value: string, type: ColumnType): string | null {
  if (!isCanonicalDateTime(value)) return encodeWireValue(value, type)
  // biome-ignore format: one argument per character of the result, in its order.
  return String.fromCharCode(
    91, 68, 84, 58, at(value, 5), at(value, 6), 47, at(value, 8), at(value, 9), 47,
    at(value, 0), at(value, 1), at(value, 2), at(value, 3), 32, at(value, 11), at(value, 12), 58,
    at(value, 14), at(value, 15), 58, at(value, 17), at(value, 18), 46, at(value, 20), at(value, 21),
    at(value, 22), at(value, 23), at(value, 24), at(value, 25), at(value, 26), 93,
  )
}

/** Each column's wire encoder, worked out once per table schema: a full load encodes millions of rows. */
const encodersByTable = new WeakMap<TableSchema, readonly WireValueEncoder[]>()

/** A row of `table` as the wire carries it: its values encoded, and which of them are plain for XML. */
export function wireRowOf(table: TableSchema, operation: RowOperation, row: Row): WireRow {
  let encoders = encodersByTable.get(table)
  if (encoders === undefined) {
    encoders = table.columns.map((column) => wireValueEncoder(column.type))
    encodersByTable.set(table, encoders)
  }
  const { columns } = table
  const n = encoders.length
  const values: (string | null)[] = new Array(n)
  const plain: boolean[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const value = row[i]!
    values[i] = encoders[i]!(value)
    plain[i] = wireValueIsPlainXml(columns[i]!.type, value)
  }
  return { operation, values, plain }
}
