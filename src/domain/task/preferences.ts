import { err, ok, type Result } from '../shared/result.ts'

/** A tenant's `Mirroring` preferences (protocol.md §7.2). */
export interface MirroringPreferences {
  /** Tables excluded on top of the block list (`SkipTable`, comma-separated). */
  readonly skipTable: readonly string[]
  /** Bytes per RowData request (`BatchSize`). */
  readonly batchSize: number
}

export const DEFAULT_BATCH_SIZE = 1_000_000
/** Below this a request cannot hold one ordinary row next to its envelope and TableInfo. */
export const MIN_BATCH_SIZE = 16_384

export function parseSkipTable(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
}

export function parseBatchSize(value: string): Result<number, string> {
  const trimmed = value.trim()
  if (!/^\d{1,10}$/.test(trimmed)) return err(`BatchSize '${trimmed.slice(0, 20)}' is not a whole number of bytes`)
  const size = Number(trimmed)
  if (size < MIN_BATCH_SIZE) return err(`BatchSize ${size} is below the minimum of ${MIN_BATCH_SIZE} bytes`)
  return ok(size)
}
