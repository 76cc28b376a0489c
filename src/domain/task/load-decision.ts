import { NO_LSN } from '../changes/lsn.ts'

export type LoadKind = 'full' | 'incremental'

export interface LoadInputs {
  /** What the mirror answered in TableSchema. */
  readonly mirrorLsn: number
  /** The source's change-tracking version at the start of this table's read. */
  readonly currentVersion: number
  /** The oldest version from which the source still has every change of the table. */
  readonly minValidVersion: number
  /** Tracking was switched on for the table in this cycle. */
  readonly justEnabled: boolean
}

/**
 * Full reload (Wipe, then every row) or incremental pass (net changes since the LSN), per
 * protocol.md §6.1 and §9.2: a reload when the mirror has nothing (-1), when its LSN is older
 * than the source still remembers (retention), newer than the source (a restored source), or
 * when tracking has only just begun.
 */
export function decideLoad(input: LoadInputs): { kind: LoadKind; reason: string } {
  if (input.justEnabled) return { kind: 'full', reason: 'change tracking was just enabled' }
  if (input.mirrorLsn === NO_LSN) return { kind: 'full', reason: 'the mirror has no data (LSN -1)' }
  if (input.mirrorLsn < input.minValidVersion) {
    return { kind: 'full', reason: `the mirror's LSN ${input.mirrorLsn} is older than the source retains` }
  }
  if (input.mirrorLsn > input.currentVersion) {
    return { kind: 'full', reason: `the mirror's LSN ${input.mirrorLsn} is ahead of the source (restored?)` }
  }
  return { kind: 'incremental', reason: 'changes since the mirror LSN' }
}
