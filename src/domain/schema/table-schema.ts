import type { WireColumn, WireTableSchema } from '../protocol/messages.ts'
import { clip } from '../shared/clip.ts'
import { err, ok, type Result } from '../shared/result.ts'
import { type ColumnType, isLargeObject } from './column-type.ts'
import { type DefaultValue, formatDefaultValue, parseDefaultValue } from './default-value.ts'
import { identifierKey, identifierProblem } from './identifier.ts'
import type { SchemaError } from './schema-error.ts'
import { formatSqlServerType, parseSqlServerType } from './sql-server-type.ts'

export interface ColumnSchema {
  readonly name: string
  readonly type: ColumnType
  readonly nullable: boolean
  readonly defaultValue: DefaultValue
}

/** A validated table: its columns in wire order and the positions of its key columns. */
export interface TableSchema {
  readonly name: string
  readonly columns: readonly ColumnSchema[]
  /** Indexes into `columns`; the first column unless configured otherwise (wire-profile §3). */
  readonly key: readonly number[]
}

export interface SchemaOptions {
  /** Key columns per table name (case-insensitive), overriding the first-column rule. */
  readonly keyColumns?: ReadonlyMap<string, readonly string[]>
}

/**
 * Validates a table as sent in TableSchema or a RowData TableInfo. Key columns are made NOT
 * NULL whatever the wire says, since every engine requires it of a primary key.
 */
export function buildTableSchema(wire: WireTableSchema, options: SchemaOptions = {}): Result<TableSchema, SchemaError> {
  const table = wire.name
  const tableProblem = identifierProblem(table)
  if (tableProblem) return err({ kind: 'InvalidTableName', table: clip(table), reason: tableProblem })
  if (wire.columns.length === 0) return err({ kind: 'NoColumns', table })

  const columns: ColumnSchema[] = []
  const seen = new Set<string>()
  for (const column of wire.columns) {
    const built = buildColumn(table, column)
    if (!built.ok) return built
    const key = identifierKey(column.name)
    if (seen.has(key)) return err({ kind: 'DuplicateColumn', table, column: column.name })
    seen.add(key)
    columns.push(built.value)
  }

  const key = resolveKey(table, columns, options.keyColumns?.get(identifierKey(table)))
  if (!key.ok) return key
  for (const index of key.value) columns[index] = { ...columns[index]!, nullable: false }
  return ok({ name: table, columns, key: key.value })
}

function buildColumn(table: string, column: WireColumn): Result<ColumnSchema, SchemaError> {
  const nameProblem = identifierProblem(column.name)
  if (nameProblem) return err({ kind: 'InvalidColumnName', table, column: clip(column.name), reason: nameProblem })
  const type = parseSqlServerType(column.type)
  if (!type.ok) return err({ kind: 'UnsupportedColumnType', table, column: column.name, reason: type.error })
  const nullable = parseBoolean(column.isNullable)
  if (nullable === undefined) {
    return err({ kind: 'InvalidNullability', table, column: column.name, value: clip(column.isNullable) })
  }
  const defaultValue = parseDefaultValue(column.defaultValue)
  if (!defaultValue.ok)
    return err({ kind: 'InvalidDefaultValue', table, column: column.name, reason: defaultValue.error })
  return ok({ name: column.name, type: type.value, nullable, defaultValue: defaultValue.value })
}

/** xs:boolean: `true`, `false`, `1`, `0`. */
function parseBoolean(text: string): boolean | undefined {
  switch (text.trim()) {
    case 'true':
    case '1':
      return true
    case 'false':
    case '0':
      return false
    default:
      return undefined
  }
}

function resolveKey(
  table: string,
  columns: readonly ColumnSchema[],
  configured: readonly string[] | undefined,
): Result<number[], SchemaError> {
  const names = configured ?? [columns[0]!.name]
  const indexes: number[] = []
  for (const name of names) {
    const index = columns.findIndex((c) => identifierKey(c.name) === identifierKey(name))
    if (index < 0) return err({ kind: 'InvalidKey', table, reason: `key column '${clip(name)}' is not in the table` })
    if (isLargeObject(columns[index]!.type)) {
      return err({
        kind: 'InvalidKey',
        table,
        reason: `key column '${name}' has type ${formatSqlServerType(columns[index]!.type)}, which cannot be a key`,
      })
    }
    if (!indexes.includes(index)) indexes.push(index)
  }
  return ok(indexes)
}

/** Back to wire form: used to store a schema and to send one (the Mirroring Task). */
export function tableSchemaToWire(schema: TableSchema): WireTableSchema {
  return {
    name: schema.name,
    columns: schema.columns.map((c) => ({
      name: c.name,
      type: formatSqlServerType(c.type),
      isNullable: c.nullable ? 'true' : 'false',
      defaultValue: formatDefaultValue(c.defaultValue),
    })),
  }
}

export function keyColumns(schema: TableSchema): readonly ColumnSchema[] {
  return schema.key.map((i) => schema.columns[i]!)
}

export function findColumn(schema: TableSchema, name: string): ColumnSchema | undefined {
  const key = identifierKey(name)
  return schema.columns.find((c) => identifierKey(c.name) === key)
}
