/**
 * The loads' shares of the raw load over rounds (`--rounds n`): the VM the bench runs on swings by
 * a fifth between minutes, so one run's ratios move with whichever load fell in a slow phase. Each
 * round runs a dialect's raw load just before its mirror loads; the shares are taken per round and
 * summed up as their median and range.
 */

export interface RoundMeasure {
  readonly bench: string
  readonly target: string
  readonly rowsPerSecond?: number
  readonly round?: number
}

export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  /** Each round's share, in the order of the rounds. */
  readonly each: readonly number[]
}

/** What each mirror load is measured against: the same dialect's raw load, and pgloader (which loads into PostgreSQL only) for PostgreSQL's full load. */
const SHARES: readonly { name: string; of: string; to: string; only?: string }[] = [
  { name: 'full load / raw', of: 'full load', to: 'raw load' },
  { name: 'apply only (1 MB) / raw', of: 'apply only, 1 MB batches', to: 'raw load' },
  { name: 'full load / pgloader', of: 'full load', to: 'pgloader (SQLite → PostgreSQL)', only: 'postgres' },
]

function spread(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  return { median, min: sorted[0]!, max: sorted.at(-1)!, each: values }
}

/** Per target, each share that every round measured both sides of. */
export function sharesOverRounds(
  measures: readonly RoundMeasure[],
  targets: readonly string[],
): Record<string, Record<string, Spread>> {
  const rounds = [...new Set(measures.map((m) => m.round ?? 1))].sort((a, b) => a - b)
  const rate = (bench: string, target: string, round: number) =>
    measures.find((m) => m.bench === bench && m.target === target && (m.round ?? 1) === round)?.rowsPerSecond
  const out: Record<string, Record<string, Spread>> = {}
  for (const target of targets) {
    const byName: Record<string, Spread> = {}
    for (const share of SHARES) {
      if (share.only !== undefined && share.only !== target) continue
      const values: number[] = []
      for (const round of rounds) {
        const of = rate(share.of, target, round)
        const to = rate(share.to, target, round)
        if (of !== undefined && to !== undefined) values.push(of / to)
      }
      const summed = spread(values)
      if (summed) byName[share.name] = summed
    }
    if (Object.keys(byName).length > 0) out[target] = byName
  }
  return out
}

const percent = (n: number) => `${Math.round(100 * n)} %`

/** The shares as table rows: target, share, median, range, each round. */
export function shareRows(shares: Record<string, Record<string, Spread>>): string[][] {
  return Object.entries(shares).flatMap(([target, byName]) =>
    Object.entries(byName).map(([name, s]) => [
      target,
      name,
      percent(s.median),
      `${percent(s.min)} – ${percent(s.max)}`,
      s.each.map(percent).join(', '),
    ]),
  )
}
