import type { WireRow } from '../protocol/messages.ts'
import type { ColumnType } from '../schema/column-type.ts'
import type { TableSchema } from '../schema/table-schema.ts'
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
      return (value) =>
        typeof value === 'string' && value.length === 27 ? dateTime(value, type) : encodeWireValue(value, type)
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

/** Below zero when the character code `c` is not a decimal digit. */
const digit = (c: number) => (c - 48) | (57 - c)

/**
 * `yyyy-MM-dd HH:mm:ss.fffffff` → `[DT:MM/dd/yyyy HH:mm:ss.fffffff]`, each character read
 * once and the result made as one flat string, which the XML writer's escape test then scans
 * without first flattening a rope of slices. Exactly `encodeWireValue`'s rearrangement by
 * position; text with anything but a digit where a digit belongs goes the full way.
 */
function dateTime(value: string, type: ColumnType): string | null {
  // biome-ignore format: the characters of the value in their order, separators left out.
  const y0 = at(value, 0), y1 = at(value, 1), y2 = at(value, 2), y3 = at(value, 3),
    m0 = at(value, 5), m1 = at(value, 6), d0 = at(value, 8), d1 = at(value, 9),
    h0 = at(value, 11), h1 = at(value, 12), i0 = at(value, 14), i1 = at(value, 15), s0 = at(value, 17), s1 = at(value, 18),
    f0 = at(value, 20), f1 = at(value, 21), f2 = at(value, 22), f3 = at(value, 23), f4 = at(value, 24), f5 = at(value, 25), f6 = at(value, 26)
  const separators =
    (at(value, 4) ^ 45) |
    (at(value, 7) ^ 45) |
    (at(value, 10) ^ 32) |
    (at(value, 13) ^ 58) |
    (at(value, 16) ^ 58) |
    (at(value, 19) ^ 46)
  // biome-ignore format: one digit a term.
  const digits =
    digit(y0) | digit(y1) | digit(y2) | digit(y3) | digit(m0) | digit(m1) | digit(d0) | digit(d1) |
    digit(h0) | digit(h1) | digit(i0) | digit(i1) | digit(s0) | digit(s1) |
    digit(f0) | digit(f1) | digit(f2) | digit(f3) | digit(f4) | digit(f5) | digit(f6)
  if (separators !== 0 || digits < 0) return encodeWireValue(value, type)
  // biome-ignore format: one argument per character of the result, in its order.
  return String.fromCharCode(
    91, 68, 84, 58, m0, m1, 47, d0, d1, 47, y0, y1, y2, y3, 32,
    h0, h1, 58, i0, i1, 58, s0, s1, 46, f0, f1, f2, f3, f4, f5, f6, 93,
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
