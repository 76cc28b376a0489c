import type { CellValue, Row } from '../../domain/changes/cell-value.ts'
import type { ColumnType } from '../../domain/schema/column-type.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'

/** Lines joined into chunks of about `size` characters: one write (one CopyData, one packet) each, not one per line. */
export function* chunkedLines(lines: Iterable<string>, size = 65_536): Generator<string> {
  let parts: string[] = []
  let length = 0
  for (const line of lines) {
    parts.push(line)
    length += line.length
    if (length >= size) {
      yield parts.join('')
      parts = []
      length = 0
    }
  }
  if (parts.length > 0) yield parts.join('')
}

/** Rows as tab-separated lines (the text format of COPY and LOAD DATA), in chunks, each field written by `field`. */
export function tabSeparatedRows(
  table: TableSchema,
  rows: readonly Row[],
  field: (value: CellValue, type: ColumnType) => string,
): Generator<string> {
  const types = table.columns.map((c) => c.type)
  return chunkedLines(
    (function* () {
      // Built by concatenation: an array and a join per row cost more than the fields.
      for (const row of rows) {
        let line = field(row[0]!, types[0]!)
        for (let i = 1; i < types.length; i++) line += `\t${field(row[i]!, types[i]!)}`
        yield `${line}\n`
      }
    })(),
  )
}
