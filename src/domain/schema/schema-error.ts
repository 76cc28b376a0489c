/** Why a table's schema could not be accepted; one table's error fails its whole request. */
export type SchemaError =
  | { readonly kind: 'InvalidTableName'; readonly table: string; readonly reason: string }
  | { readonly kind: 'InvalidColumnName'; readonly table: string; readonly column: string; readonly reason: string }
  | { readonly kind: 'DuplicateTable'; readonly table: string }
  | { readonly kind: 'DuplicateColumn'; readonly table: string; readonly column: string }
  | { readonly kind: 'ReservedTableName'; readonly table: string }
  | { readonly kind: 'NoColumns'; readonly table: string }
  | { readonly kind: 'UnsupportedColumnType'; readonly table: string; readonly column: string; readonly reason: string }
  | { readonly kind: 'InvalidNullability'; readonly table: string; readonly column: string; readonly value: string }
  | { readonly kind: 'InvalidDefaultValue'; readonly table: string; readonly column: string; readonly reason: string }
  | { readonly kind: 'InvalidKey'; readonly table: string; readonly reason: string }
