import type { WireColumn, WireTableSchema } from '../../../domain/protocol/messages.ts'
import { type ColumnType, isLargeObject } from '../../../domain/schema/column-type.ts'
import { type DefaultValue, formatDefaultValue } from '../../../domain/schema/default-value.ts'
import { formatSqlServerType } from '../../../domain/schema/sql-server-type.ts'

/** A source column as read from an engine's catalog, already mapped to SQL Server terms. */
export interface SourceColumn {
  readonly name: string
  readonly type: ColumnType
  readonly nullable: boolean
  readonly defaultValue: DefaultValue
  /** 1-based position in the primary key; undefined when not part of it. */
  readonly keyPosition: number | undefined
}

/**
 * The wire form of a source table: primary key columns first in key order (the protocol has no
 * key flag and mirrors key on the first column, wire-profile §3), then the others in their
 * physical order. Key columns are NOT NULL whatever the engine allows.
 */
export function sourceTableToWire(name: string, columns: readonly SourceColumn[]): WireTableSchema {
  const key = columns.filter((c) => c.keyPosition !== undefined).sort((a, b) => a.keyPosition! - b.keyPosition!)
  const rest = columns.filter((c) => c.keyPosition === undefined)
  return { name, columns: [...key, ...rest].map(toWireColumn) }
}

function toWireColumn(column: SourceColumn): WireColumn {
  return {
    name: column.name,
    type: formatSqlServerType(column.type),
    isNullable: column.nullable && column.keyPosition === undefined ? 'true' : 'false',
    defaultValue: formatDefaultValue(column.defaultValue),
  }
}

/** A key column of an unbounded type takes SQL Server's longest key type: no mirror can key on `max`. */
export function keyableType(type: ColumnType): ColumnType {
  if (!isLargeObject(type)) return type
  switch (type.kind) {
    case 'string':
      return { ...type, length: type.unicode ? 450 : 900 }
    case 'text':
    case 'xml':
      return { kind: 'string', unicode: true, fixed: false, length: 450 }
    default:
      return { kind: 'binary', fixed: false, length: 900 }
  }
}

/** Whether a string default is written N'…' (SQL Server prints the N for Unicode columns). */
export function isUnicode(type: ColumnType): boolean {
  return !((type.kind === 'string' || type.kind === 'text') && !type.unicode)
}
