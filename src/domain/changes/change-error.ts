import type { SchemaError } from '../schema/schema-error.ts'

/** Why a RowData batch or a ReplicationCompleted summary was refused; nothing of it is written. */
export type ChangeError =
  | SchemaError
  | { readonly kind: 'InvalidLsn'; readonly table: string; readonly reason: string }
  | {
      readonly kind: 'ColumnCountMismatch'
      readonly table: string
      readonly row: number
      readonly expected: number
      readonly actual: number
    }
  | { readonly kind: 'UnknownOperation'; readonly table: string; readonly row: number; readonly operation: string }
  | {
      readonly kind: 'ValueDoesNotFit'
      readonly table: string
      readonly row: number
      readonly column: string
      readonly reason: string
    }
  | { readonly kind: 'NullKey'; readonly table: string; readonly row: number; readonly column: string }
  | { readonly kind: 'InvalidSummary'; readonly table: string; readonly reason: string }
