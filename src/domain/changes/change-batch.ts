import type { TextSpan, WireRowBatch, WireRows } from '../protocol/messages.ts'
import { wireRows } from '../protocol/wire-rows.ts'
import type { TableSchema } from '../schema/table-schema.ts'
import { clip } from '../shared/clip.ts'
import { err, ok, type Result } from '../shared/result.ts'
import type { CellValue, Row } from './cell-value.ts'
import type { ChangeError } from './change-error.ts'
import { type Lsn, parseLsn } from './lsn.ts'
import { decodeWireValue } from './wire-value.ts'
import { decodeWireSpanFast, decodeWireValueFast, fitsWireSpanFast, NOT_FAST } from './wire-value-fast.ts'

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
  /**
   * The batch's rows as the request holds them, when every one is an insert or an update, no key
   * comes twice and every value was found to take the fast path: `upserts`, in order, not yet
   * decoded. A writer that encodes them straight from the request's text (COPY's, LOAD DATA's,
   * with writeWireSpanFast) need not read `upserts`, which decodes them when first read.
   */
  readonly inPlace?: WireRows
  /**
   * The rows left in place as the mirror's engine takes them (COPY's or LOAD DATA's text, say),
   * written by DecodeOptions.encode while the call was decoded; opaque here.
   */
  readonly encoded?: unknown
}

/**
 * The mirror's writer of rows left in place in its own form (COPY's or LOAD DATA's text, say),
 * which checks every value as it writes it, as fitsWireSpanFast does: one pass over the values
 * instead of a check and then a write.
 */
export interface InPlaceEncoder {
  /** Whether it writes this batch (one its bulk path takes); if not, the values are checked here. */
  takes(table: TableSchema, rows: WireRows): boolean
  /** The rows written; undefined when a value is not of that shape (the batch is then decoded, and refused with the decoder's reason if it must be). */
  write(table: TableSchema, rows: WireRows): unknown
}

export interface DecodeOptions {
  /** Check whether the rows can be written in place (ChangeBatch.inPlace) and leave them undecoded if so. */
  readonly inPlace?: boolean
  /** With `inPlace`: the mirror's writer of such rows (ChangeBatch.encoded). */
  readonly encode?: InPlaceEncoder
}

/** Decodes a batch against its TableInfo schema. `rowNumber`s in errors count from 1. */
export function decodeBatch(
  wire: WireRowBatch,
  table: TableSchema,
  options: DecodeOptions = {},
): Result<ChangeBatch, ChangeError> {
  const lsn = parseLsn(wire.lsn)
  if (!lsn.ok) return err({ kind: 'InvalidLsn', table: table.name, reason: lsn.error })
  const rows = wireRows(wire.rows)
  if (!options.inPlace) return decodeRows(rows, table, lsn.value)
  // Where the mirror's writer takes the batch, its pass checks the values; elsewhere this one does.
  const writer = options.encode?.takes(table, rows) ? options.encode : undefined
  const received = inPlaceCounts(rows, table, writer === undefined)
  if (received === undefined) return decodeRows(rows, table, lsn.value)
  const encoded = writer?.write(table, rows)
  if (writer !== undefined && encoded === undefined) return decodeRows(rows, table, lsn.value)
  return ok(new BatchInPlace(table, lsn.value, received, rows, encoded))
}

/**
 * A batch whose rows were left in place: its upserts are decoded when first read. A class, not an
 * object literal with a getter closing over the rows: with the literal, measured, the service
 * promoted about a request's size to the old generation at every scavenge (26 full collections
 * against 4 in a 300,000-row apply into PostgreSQL); why, a heap snapshot did not show.
 */
class BatchInPlace implements ChangeBatch {
  readonly table: TableSchema
  readonly lsn: Lsn
  readonly received: OperationCounts
  readonly inPlace: WireRows
  readonly encoded: unknown
  readonly deletes: readonly Row[] = []
  #upserts: readonly Row[] | undefined

  constructor(table: TableSchema, lsn: Lsn, received: OperationCounts, rows: WireRows, encoded: unknown) {
    this.table = table
    this.lsn = lsn
    this.received = received
    this.inPlace = rows
    this.encoded = encoded
  }

  get upserts(): readonly Row[] {
    if (this.#upserts === undefined) {
      const full = decodeRows(this.inPlace, this.table, this.lsn)
      // inPlaceCounts found every value decodable: a refusal here is a bug, not bad input.
      if (!full.ok) throw new Error(`rows checked for writing in place did not decode: ${full.error.kind}`)
      this.#upserts = full.value.upserts
    }
    return this.#upserts
  }
}

/**
 * The operations counted when the rows can be left undecoded (ChangeBatch.inPlace): read in
 * place, inserts and updates only, each key once, no nil where the column refuses it and, with
 * `values`, every value one decodeRow takes on its fast path. Nothing is allocated but the keys'
 * identities.
 */
function inPlaceCounts(rows: WireRows, table: TableSchema, values: boolean): OperationCounts | undefined {
  if (!rows.locate) return undefined
  const { columns, key } = table
  const width = columns.length
  const keys = new Set<unknown>()
  const keyValues: CellValue[] = new Array(key.length)
  let inserts = 0
  let updates = 0
  try {
    for (let r = 0; r < rows.length; r++) {
      const operation = rows.operation(r)
      if (operation === 'I') inserts++
      else if (operation === 'U') updates++
      else return undefined
      if (rows.width(r) !== width) return undefined
      for (let c = 0; c < width; c++) {
        const column = columns[c]!
        if (!rows.locate(r, c, span)) {
          if (!column.nullable) return undefined
        } else if (values && !fitsWireSpanFast(span.text, span.start, span.end, column.type)) return undefined
      }
      for (let k = 0; k < key.length; k++) {
        const value = rows.locate(r, key[k]!, span)
          ? decodeWireSpanFast(span.text, span.start, span.end, columns[key[k]!]!.type)
          : null
        keyValues[k] = value === NOT_FAST ? null : value
      }
      const identity = batchKey(keyValues, undefined)
      if (keys.has(identity)) return undefined
      keys.add(identity)
    }
  } finally {
    span.text = ''
  }
  return { inserts, updates, deletes: 0 }
}

/** decodeBatch's general way: every row decoded, and reduced to the last operation per key. */
function decodeRows(rows: WireRows, table: TableSchema, lsn: Lsn): Result<ChangeBatch, ChangeError> {
  // The last operation per key, where the key was first seen: one index per key, no object per row.
  const latest = new Map<unknown, number>()
  const kept: Row[] = []
  const deleted: boolean[] = []
  let inserts = 0
  let updates = 0
  let deletes = 0
  const width = table.columns.length
  for (let r = 0; r < rows.length; r++) {
    const operation = rows.operation(r)
    if (rows.width(r) !== width) {
      return err({ kind: 'ColumnCountMismatch', table: table.name, row: r + 1, expected: width, actual: rows.width(r) })
    }
    let decoded: Result<Row, ChangeError>
    if (operation === 'I' || operation === 'U') {
      decoded = decodeRow(table, rows, r)
      if (operation === 'I') inserts++
      else updates++
    } else if (operation === 'D') {
      decoded = decodeKey(table, rows, r)
      deletes++
    } else {
      return err({ kind: 'UnknownOperation', table: table.name, row: r + 1, operation: clip(operation, 20) })
    }
    if (!decoded.ok) return decoded
    const row = decoded.value
    const key = operation === 'D' ? batchKey(row, undefined) : batchKey(row, table.key)
    const seen = latest.get(key)
    if (seen === undefined) {
      latest.set(key, kept.length)
      kept.push(row)
      deleted.push(operation === 'D')
    } else {
      kept[seen] = row
      deleted[seen] = operation === 'D'
    }
  }

  // The span would otherwise keep the last piece of the request's text until the next call.
  span.text = ''
  const upserts: Row[] = []
  const removals: Row[] = []
  for (let i = 0; i < kept.length; i++) (deleted[i] ? removals : upserts).push(kept[i]!)
  return ok({ table, lsn, upserts, deletes: removals, received: { inserts, updates, deletes } })
}

/**
 * The identity of a row's key within one batch: a one-column key's value itself where the Map
 * compares it exactly as its string would (a column's values are all of one type), else keyOf.
 */
function batchKey(row: Row, key: readonly number[] | undefined): unknown {
  if (key ? key.length === 1 : row.length === 1) {
    const value = row[key ? key[0]! : 0]!
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') return value
  }
  return keyOf(key ? key.map((i) => row[i]!) : row)
}

/** The one span decodeRow reads values through: rows are decoded one at a time, synchronously. */
const span: TextSpan = { text: '', start: 0, end: 0 }

function decodeRow(table: TableSchema, rows: WireRows, r: number): Result<Row, ChangeError> {
  const width = table.columns.length
  const out: CellValue[] = new Array(width)
  for (let c = 0; c < width; c++) {
    const column = table.columns[c]!
    // In place where the rows can say where a value lies: no string of an integer's or a date's wire form.
    let value = rows.locate
      ? rows.locate(r, c, span)
        ? decodeWireSpanFast(span.text, span.start, span.end, column.type)
        : null
      : decodeWireValueFast(rows.value(r, c), column.type)
    if (value === NOT_FAST) {
      const full = decodeWireValue(rows.value(r, c), column.type)
      if (!full.ok)
        return err({ kind: 'ValueDoesNotFit', table: table.name, row: r + 1, column: column.name, reason: full.error })
      value = full.value
    }
    if (value === null && !column.nullable) {
      return table.key.includes(c)
        ? err({ kind: 'NullKey', table: table.name, row: r + 1, column: column.name })
        : err({
            kind: 'ValueDoesNotFit',
            table: table.name,
            row: r + 1,
            column: column.name,
            reason: 'is NULL in a NOT NULL column',
          })
    }
    out[c] = value
  }
  return ok(out)
}

function decodeKey(table: TableSchema, rows: WireRows, r: number): Result<Row, ChangeError> {
  const out: CellValue[] = []
  for (const c of table.key) {
    const column = table.columns[c]!
    const value = decodeWireValue(rows.value(r, c), column.type)
    if (!value.ok)
      return err({ kind: 'ValueDoesNotFit', table: table.name, row: r + 1, column: column.name, reason: value.error })
    if (value.value === null) return err({ kind: 'NullKey', table: table.name, row: r + 1, column: column.name })
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
