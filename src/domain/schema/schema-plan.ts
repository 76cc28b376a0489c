import { type ColumnType, decimalShape, INTEGER_BYTES } from './column-type.ts'
import { formatDefaultValue } from './default-value.ts'
import { identifierKey } from './identifier.ts'
import { schemaFingerprint } from './schema-fingerprint.ts'
import { formatSqlServerType } from './sql-server-type.ts'
import type { ColumnSchema, TableSchema } from './table-schema.ts'

/** One in-place change to an existing table; the rows and the table's LSN survive it. */
export type AlterStep =
  | { readonly kind: 'add-column'; readonly column: ColumnSchema }
  /** The type widened and/or NOT NULL relaxed to NULL. */
  | { readonly kind: 'widen-column'; readonly from: ColumnSchema; readonly to: ColumnSchema }
  | { readonly kind: 'change-default'; readonly from: ColumnSchema; readonly to: ColumnSchema }

/**
 * What TableSchema must do to one table (wire-profile §3). `create` and `recreate` leave the
 * table empty with LSN -1, so that the Mirroring Task reloads it; `alter` keeps rows and LSN.
 * A dialect that cannot perform an alter step turns the plan into a recreate itself.
 */
export type TablePlan =
  | { readonly kind: 'unchanged'; readonly table: TableSchema }
  | { readonly kind: 'create'; readonly table: TableSchema }
  | {
      readonly kind: 'alter'
      readonly from: TableSchema
      readonly table: TableSchema
      readonly steps: readonly AlterStep[]
    }
  | {
      readonly kind: 'recreate'
      readonly from: TableSchema | undefined
      readonly table: TableSchema
      readonly reason: string
    }

export type SchemaChangeKind = 'None' | 'Created' | 'Altered' | 'Recreated'

export function changeKindOf(plan: TablePlan): SchemaChangeKind {
  switch (plan.kind) {
    case 'unchanged':
      return 'None'
    case 'create':
      return 'Created'
    case 'alter':
      return 'Altered'
    case 'recreate':
      return 'Recreated'
  }
}

/**
 * Plans one table from its desired schema and, when the mirror has the table, the schema it
 * was built with. `current` undefined means the table does not exist.
 */
export function planTable(desired: TableSchema, current: TableSchema | undefined): TablePlan {
  if (!current) return { kind: 'create', table: desired }
  if (schemaFingerprint(desired) === schemaFingerprint(current)) return { kind: 'unchanged', table: desired }

  const recreate = (reason: string): TablePlan => ({ kind: 'recreate', from: current, table: desired, reason })
  if (!sameKey(desired, current)) return recreate('the key columns changed')

  const desiredByKey = new Map(desired.columns.map((c) => [identifierKey(c.name), c]))
  for (const old of current.columns) {
    const next = desiredByKey.get(identifierKey(old.name))
    if (!next) return recreate(`column '${old.name}' was dropped`)
    if (next.name !== old.name) return recreate(`column '${old.name}' was renamed to '${next.name}'`)
  }

  const currentByKey = new Map(current.columns.map((c) => [identifierKey(c.name), c]))
  const steps: AlterStep[] = []
  for (const column of desired.columns) {
    const old = currentByKey.get(identifierKey(column.name))
    if (!old) {
      if (!column.nullable && column.defaultValue.kind === 'none') {
        return recreate(`new column '${column.name}' is NOT NULL without a default`)
      }
      steps.push({ kind: 'add-column', column })
      continue
    }
    const typeChanged = formatSqlServerType(old.type) !== formatSqlServerType(column.type)
    if (typeChanged && !widens(old.type, column.type)) {
      return recreate(
        `column '${column.name}' changed from ${formatSqlServerType(old.type)} to ${formatSqlServerType(column.type)}`,
      )
    }
    if (old.nullable && !column.nullable) return recreate(`column '${column.name}' became NOT NULL`)
    if (typeChanged || old.nullable !== column.nullable) steps.push({ kind: 'widen-column', from: old, to: column })
    if (formatDefaultValue(old.defaultValue) !== formatDefaultValue(column.defaultValue)) {
      steps.push({ kind: 'change-default', from: old, to: column })
    }
  }
  return { kind: 'alter', from: current, table: desired, steps }
}

function sameKey(a: TableSchema, b: TableSchema): boolean {
  const names = (t: TableSchema) => t.key.map((i) => identifierKey(t.columns[i]!.name)).join('\u0000')
  return names(a) === names(b)
}

/** True when every value of `from` converts to `to` without loss (a pure widening). */
export function widens(from: ColumnType, to: ColumnType): boolean {
  switch (from.kind) {
    case 'integer':
      return to.kind === 'integer' && INTEGER_BYTES[to.size] >= INTEGER_BYTES[from.size]
    case 'float':
      return to.kind === 'float' && (to.size === 'float' || from.size === 'real')
    case 'decimal':
    case 'money': {
      const a = decimalShape(from)!
      const b = decimalShape(to)
      return b !== undefined && b.scale >= a.scale && b.precision - b.scale >= a.precision - a.scale
    }
    case 'string':
      return (
        to.kind === 'string' &&
        !from.fixed &&
        !to.fixed &&
        (to.unicode || !from.unicode) &&
        (to.length === 'max' || (from.length !== 'max' && to.length >= from.length))
      )
    case 'text':
      return to.kind === 'string' && to.length === 'max' && !to.fixed && (to.unicode || !from.unicode)
    case 'binary':
      return (
        to.kind === 'binary' &&
        !from.fixed &&
        !to.fixed &&
        (to.length === 'max' || (from.length !== 'max' && to.length >= from.length))
      )
    case 'image':
      return to.kind === 'binary' && !to.fixed && to.length === 'max'
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return to.kind === from.kind && to.precision >= from.precision
    default:
      return false
  }
}
