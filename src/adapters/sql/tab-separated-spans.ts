import type { InPlaceEncoder } from '../../domain/changes/change-batch.ts'
import { writeWireSpanFast } from '../../domain/changes/wire-value-fast.ts'
import type { TextSpan, WireRows } from '../../domain/protocol/messages.ts'
import type { ColumnType } from '../../domain/schema/column-type.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'
import type { BulkBatch, SpanWriter } from './sql-dialect.ts'
import { BufferRun, type TextFormat, tabSeparatedBuffers, textWriter } from './tab-separated-buffers.ts'

/**
 * How a column's values are written straight from the request: its text (of at most `most` UTF-16
 * units, as fitsWireSpanFast allows), or its canonical form cut to `keep`.
 */
type ColumnPlan = { readonly text: true; readonly most: number } | { readonly text: false; readonly keep: number }

const SAMPLE_TEXT = 'a\tb'
const SAMPLE_DATETIME = '2001-02-03 04:05:06.1234567'
const SAMPLE_INTEGER = 1234

/**
 * What `format.field` makes of the column's values, found from a sample: text as it is, an
 * integer as its digits, a datetime as a prefix of its canonical text (PostgreSQL cuts a
 * datetime2's seventh digit, MariaDB keeps the column's). Undefined when the format spells the
 * type some other way: such a table's rows are decoded and written by tabSeparatedBuffers.
 */
function planOf(type: ColumnType, format: TextFormat): ColumnPlan | undefined {
  switch (type.kind) {
    case 'string':
    case 'text':
    case 'xml': {
      const most = type.kind === 'string' && type.length !== 'max' ? type.length : Number.POSITIVE_INFINITY
      return format.field(SAMPLE_TEXT, type) === SAMPLE_TEXT ? { text: true, most } : undefined
    }
    case 'integer': {
      const sample = type.size === 'bigint' ? BigInt(SAMPLE_INTEGER) : SAMPLE_INTEGER
      const field = format.field(sample, type)
      return field !== null && String(field) === String(SAMPLE_INTEGER) ? { text: false, keep: 32 } : undefined
    }
    case 'datetime':
    case 'datetime2': {
      const field = format.field(SAMPLE_DATETIME, type)
      if (typeof field !== 'string' || field.length < 19 || !SAMPLE_DATETIME.startsWith(field)) return undefined
      return { text: false, keep: field.length }
    }
    default:
      return undefined
  }
}

/** Each column's plan, or undefined when one is not written this way. Worked out per batch: a few calls a column. */
function tablePlan(table: TableSchema, format: TextFormat): readonly ColumnPlan[] | undefined {
  const plan = table.columns.map((c) => planOf(c.type, format))
  return plan.every((c) => c !== undefined) ? plan : undefined
}

/** The span the values are located through; emptied after each batch so it keeps no request text. */
const span: TextSpan = { text: '', start: 0, end: 0 }

/**
 * A batch's rows read in place (ChangeBatch.inPlace) written as tabSeparatedBuffers writes their
 * decoded values, byte for byte, with no value, row or string made on the way: text copied from
 * the request, integers and datetimes written from their wire form by writeWireSpanFast.
 * Undefined when a column's type is not written this way or a value is not of the shape
 * fitsWireSpanFast takes (so it checks the values as it writes them: spanEncoder): the caller
 * then writes the decoded rows.
 */
export function tabSeparatedSpans(
  table: TableSchema,
  rows: WireRows,
  format: TextFormat,
  size = 65_536,
): Buffer[] | undefined {
  const plan = tablePlan(table, format)
  if (!plan || !rows.locate) return undefined
  const types = table.columns.map((c) => c.type)
  const width = types.length
  const writeText = textWriter(format)
  const out = new BufferRun(size)
  try {
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < width; c++) {
        const located = rows.locate(r, c, span)
        const column = plan[c]!
        // As tabSeparatedBuffers: three bytes a UTF-16 unit, two an escape, and the tab and end of line.
        const buffer = out.room(located && column.text ? (span.end - span.start) * 3 + 2 : 32)
        let pos = out.pos
        if (c > 0) buffer[pos++] = 9
        if (!located) {
          buffer[pos++] = 92
          buffer[pos++] = 78
        } else if (column.text) {
          if (span.end - span.start > column.most) return undefined
          pos = writeText(buffer, pos, span.text, span.start, span.end)
        } else {
          const end = writeWireSpanFast(span.text, span.start, span.end, types[c]!, buffer, pos)
          if (end < 0) return undefined
          pos = Math.min(end, pos + column.keep)
        }
        out.pos = pos
      }
      out.buffer[out.pos++] = 10
    }
  } finally {
    span.text = ''
  }
  return out.end()
}

/**
 * A bulk batch's rows as text: as written while the call was decoded (spanEncoder), else from the
 * request where they came in place, else from the decoded rows.
 */
export function batchText(table: TableSchema, batch: BulkBatch, format: TextFormat): Buffer[] {
  if (batch.encoded !== undefined && batch.encoded.length > 0) return [...batch.encoded]
  return (
    (batch.inPlace && tabSeparatedSpans(table, batch.inPlace, format)) ||
    tabSeparatedBuffers(table, batch.rows(), format)
  )
}

/** tabSeparatedSpans in `format` as a SpanWriter. */
export function textSpans(format: TextFormat): SpanWriter {
  return {
    takes: (table) => tablePlan(table, format) !== undefined,
    write: (table, rows) => tabSeparatedSpans(table, rows, format),
  }
}

/**
 * The InPlaceEncoder of a bulk path whose rows left in place `writer` writes: a batch it will take
 * (at least `threshold` rows) whose columns are all of types the writer takes is written while its
 * call is decoded, its values checked on the way, so that they are read once rather than checked
 * and then read again.
 */
export function spanEncoder(writer: SpanWriter, threshold: number): InPlaceEncoder {
  return {
    takes: (table, rows) => rows.length >= threshold && rows.locate !== undefined && writer.takes(table),
    write: (table, rows) => writer.write(table, rows),
  }
}
