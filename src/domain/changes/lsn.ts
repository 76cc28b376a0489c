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

/**
 * What the service does with a RowData batch older than the table's stored LSN (wire-profile
 * §5 leaves it open). `skip`: acknowledge it and write nothing, because the mirror already
 * holds a later version that contains the batch's changes (a replayed or re-ordered delivery
 * would otherwise turn rows back). `apply`: write it like any other batch, for a Mirroring
 * Task whose intermediate batches carry placeholder LSNs below the stored one.
 */
export type StaleBatchPolicy = 'skip' | 'apply'

/**
 * A batch is superseded when both it and the table carry a real version and the batch's is
 * lower. Equal versions are applied (a batch may be delivered again, or the Task may send one
 * version on several batches); -1 on either side is never superseded: a -1 batch belongs to a
 * full reload, which starts from a wipe, and a table at -1 has nothing newer to protect.
 */
export function isSuperseded(batchLsn: Lsn, storedLsn: Lsn): boolean {
  return batchLsn !== NO_LSN && storedLsn !== NO_LSN && batchLsn < storedLsn
}
