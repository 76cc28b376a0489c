import type { WireRow, WireRows } from './messages.ts'

/** Either form of a batch's rows, read one value at a time. */
export function wireRows(rows: readonly WireRow[] | WireRows): WireRows {
  if (!isList(rows)) return rows
  return {
    length: rows.length,
    operation: (row) => rows[row]!.operation,
    width: (row) => rows[row]!.values.length,
    value: (row, column) => rows[row]!.values[column]!,
  }
}

/** Either form of a batch's rows as a list: for writing them out and for tests, not the hot path. */
export function listRows(rows: readonly WireRow[] | WireRows): readonly WireRow[] {
  if (isList(rows)) return rows
  const list: WireRow[] = []
  for (let r = 0; r < rows.length; r++) {
    const values: (string | null)[] = []
    for (let c = 0; c < rows.width(r); c++) values.push(rows.value(r, c))
    list.push({ operation: rows.operation(r), values })
  }
  return list
}

function isList(rows: readonly WireRow[] | WireRows): rows is readonly WireRow[] {
  return Array.isArray(rows)
}
