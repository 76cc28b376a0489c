import { clip } from '../shared/clip.ts'
import { err, ok, type Result } from '../shared/result.ts'

/**
 * A change-tracking version (protocol.md §3.3): how far the mirror holds a table's data.
 * -1 means "no usable data, reload it all". Versions are SQL Server bigints; JavaScript
 * numbers hold them exactly up to 2^53, far beyond any real database's counter.
 */
export type Lsn = number

export const NO_LSN: Lsn = -1

export function parseLsn(text: string): Result<Lsn, string> {
  const trimmed = text.trim()
  if (!/^-?\d{1,16}$/.test(trimmed)) return err(`LSN '${clip(trimmed, 30)}' is not an integer`)
  const value = Number(trimmed)
  if (value < -1) return err(`LSN ${value} is below -1`)
  if (!Number.isSafeInteger(value)) return err(`LSN ${trimmed} is too large`)
  return ok(value)
}
