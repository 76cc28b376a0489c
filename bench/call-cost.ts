/** CPU of a run of RowData calls: rows and calls sent, and CPU µs a row. */
export interface CallRun {
  readonly rows: number
  readonly calls: number
  readonly cpuUsPerRow: number
}

/** A process's CPU split into what each call costs whatever its rows, and what each row costs. */
export interface CallCost {
  readonly perCallUs: number
  readonly perRowUs: number
}

/**
 * The two parts of CPU = calls × perCall + rows × perRow, from two runs of the same rows in calls
 * of different sizes (apply only with small and with 1 MB calls). Undefined when the runs' calls
 * are of one size, which cannot tell the parts apart.
 */
export function callCost(small: CallRun, large: CallRun): CallCost | undefined {
  const callsPerRow = (run: CallRun) => run.calls / run.rows
  const spread = callsPerRow(small) - callsPerRow(large)
  if (!(Math.abs(spread) > 1e-12)) return undefined
  const perCallUs = (small.cpuUsPerRow - large.cpuUsPerRow) / spread
  return { perCallUs, perRowUs: large.cpuUsPerRow - perCallUs * callsPerRow(large) }
}
