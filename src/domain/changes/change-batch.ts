import type { WireRowBatch } from '../protocol/messages.ts'
import type { TableSchema } from '../schema/table-schema.ts'
import { clip } from '../shared/clip.ts'
import { err, ok, type Result } from '../shared/result.ts'
import type { CellValue, Row } from './cell-value.ts'
import type { ChangeError } from './change-error.ts'
import { type Lsn, parseLsn } from './lsn.ts'
import { decodeWireValue } from './wire-value.ts'
import { decodeWireValueFast, NOT_FAST } from './wire-value-fast.ts'

export type RowOperation = 'I' | 'U' | 'D'

export interface OperationCounts {
  readonly inserts: number
  readonly updates: number
  readonly deletes: number
}

/**
 * One table's decoded RowDataBatch, ready to apply atomically with its LSN (wire-profile §5).
 * Rows are reduced to the last operation per key, so that one statement never touches a row
 * twice and re-delivery is harmless: `I` and `U` become upserts, `D` a delete by key.
 */
export interface ChangeBatch {
  readonly table: TableSchema
  readonly lsn: Lsn
  /** Whole rows, positional to `table.columns`. */
  readonly upserts: readonly Row[]
  /** Key values only, positional to `table.key`. */
  readonly deletes: readonly Row[]
  /** What the batch carried, before reduction. */
  readonly received: OperationCounts
}

/** Decodes a batch against its TableInfo schema. `rowNumber`s in errors count from 1. */
export function decodeBatch(wire: WireRowBatch, table: TableSchema): Result<ChangeBatch, ChangeError> {
  const lsn = parseLsn(wire.lsn)
  if (!lsn.ok) return err({ kind: 'InvalidLsn', table: table.name, reason: lsn.error })

  const latest = new Map<string, { op: RowOperation; row: Row }>()
  let inserts = 0
  let updates = 0
  let deletes = 0
  const width = table.columns.length
  for (let r = 0; r < wire.rows.length; r++) {
    const { operation, values } = wire.rows[r]!
    if (values.length !== width) {
      return err({ kind: 'ColumnCountMismatch', table: table.name, row: r + 1, expected: width, actual: values.length })
    }
    let decoded: Result<Row, ChangeError>
    if (operation === 'I' || operation === 'U') {
      decoded = decodeRow(table, values, r + 1)
      if (operation === 'I') inserts++
      else updates++
    } else if (operation === 'D') {
      decoded = decodeKey(table, values, r + 1)
      deletes++
    } else {
      return err({ kind: 'UnknownOperation', table: table.name, row: r + 1, operation: clip(operation, 20) })
    }
    if (!decoded.ok) return decoded
    const row = decoded.value
    latest.set(keyOf(operation === 'D' ? row : table.key.map((i) => row[i]!)), { op: operation, row })
  }

  const upserts: Row[] = []
  const removals: Row[] = []
  for (const { op, row } of latest.values()) (op === 'D' ? removals : upserts).push(row)
  return ok({ table, lsn: lsn.value, upserts, deletes: removals, received: { inserts, updates, deletes } })
}

function decodeRow(table: TableSchema, values: readonly (string | null)[], row: number): Result<Row, ChangeError> {
  const out: CellValue[] = new Array(values.length)
  for (let c = 0; c < values.length; c++) {
    const column = table.columns[c]!
    let value = decodeWireValueFast(values[c]!, column.type)
    if (value === NOT_FAST) {
      const full = decodeWireValue(values[c]!, column.type)
      if (!full.ok)
        return err({ kind: 'ValueDoesNotFit', table: table.name, row, column: column.name, reason: full.error })
      value = full.value
    }
    if (value === null && !column.nullable) {
      return table.key.includes(c)
        ? err({ kind: 'NullKey', table: table.name, row, column: column.name })
        : err({
            kind: 'ValueDoesNotFit',
            table: table.name,
            row,
            column: column.name,
            reason: 'is NULL in a NOT NULL column',
          })
    }
    out[c] = value
  }
  return ok(out)
}

function decodeKey(table: TableSchema, values: readonly (string | null)[], row: number): Result<Row, ChangeError> {
  const out: CellValue[] = []
  for (const c of table.key) {
    const column = table.columns[c]!
    const value = decodeWireValue(values[c]!, column.type)
    if (!value.ok)
      return err({ kind: 'ValueDoesNotFit', table: table.name, row, column: column.name, reason: value.error })
    if (value.value === null) return err({ kind: 'NullKey', table: table.name, row, column: column.name })
    out.push(value.value)
  }
  return ok(out)
}

/** A string identity for key values, exact as the source's (case-sensitive) key. */
export function keyOf(values: readonly CellValue[]): string {
  if (values.length === 1) return cellKey(values[0]!)
  return values.map(cellKey).join('\u0000')
}

function cellKey(value: CellValue): string {
  if (value instanceof Uint8Array) {
    let hex = ''
    for (const b of value) hex += b.toString(16).padStart(2, '0')
    return hex
  }
  return typeof value === 'string' ? value : String(value)
}
