/**
 * A column's type, lossless for every SQL Server type the protocol can send (wire-profile §3).
 * One variant per SQL Server family, so that each dialect renders it with an exhaustive switch
 * and nothing needs to be re-parsed from text.
 */
export type ColumnType =
  | { readonly kind: 'integer'; readonly size: IntegerSize }
  | { readonly kind: 'bit' }
  | { readonly kind: 'float'; readonly size: 'real' | 'float' }
  | {
      readonly kind: 'decimal'
      readonly name: 'decimal' | 'numeric'
      readonly precision: number
      readonly scale: number
    }
  | { readonly kind: 'money'; readonly size: 'money' | 'smallmoney' }
  | { readonly kind: 'datetime'; readonly variant: 'datetime' | 'smalldatetime' }
  | { readonly kind: 'datetime2'; readonly precision: number }
  | { readonly kind: 'datetimeoffset'; readonly precision: number }
  | { readonly kind: 'date' }
  | { readonly kind: 'time'; readonly precision: number }
  | { readonly kind: 'string'; readonly unicode: boolean; readonly fixed: boolean; readonly length: Length }
  | { readonly kind: 'text'; readonly unicode: boolean }
  | { readonly kind: 'binary'; readonly fixed: boolean; readonly length: Length }
  | { readonly kind: 'image' }
  | { readonly kind: 'uniqueidentifier' }
  | { readonly kind: 'xml' }

export type IntegerSize = 'tinyint' | 'smallint' | 'int' | 'bigint'
/** A character or byte count, or `max` (up to 2 GB). */
export type Length = number | 'max'
export type ColumnKind = ColumnType['kind']

export const INTEGER_RANGE: Readonly<Record<IntegerSize, readonly [bigint, bigint]>> = {
  tinyint: [0n, 255n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
}

export const INTEGER_BYTES: Readonly<Record<IntegerSize, number>> = { tinyint: 1, smallint: 2, int: 4, bigint: 8 }

/** Precision and scale of the exact numeric types, money included. */
export function decimalShape(type: ColumnType): { precision: number; scale: number } | undefined {
  if (type.kind === 'decimal') return { precision: type.precision, scale: type.scale }
  if (type.kind === 'money') return type.size === 'money' ? { precision: 19, scale: 4 } : { precision: 10, scale: 4 }
  return undefined
}

/** Types whose values can be unbounded; SQL Server refuses them as key columns. */
export function isLargeObject(type: ColumnType): boolean {
  switch (type.kind) {
    case 'text':
    case 'image':
    case 'xml':
      return true
    case 'string':
    case 'binary':
      return type.length === 'max'
    default:
      return false
  }
}
