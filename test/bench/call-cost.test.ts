import { describe, expect, it } from 'vitest'
import { callCost } from '../../bench/call-cost.ts'

describe('what a call costs besides its rows', () => {
  it('splits two runs of different call sizes into a cost a call and a cost a row', () => {
    // 3,000 µs a call and 9 µs a row: 200 rows a call is 24 µs a row, 1,000 rows a call 12.
    const cost = callCost(
      { rows: 200_000, calls: 1_000, cpuUsPerRow: 24 },
      { rows: 200_000, calls: 200, cpuUsPerRow: 12 },
    )
    expect(cost?.perCallUs).toBeCloseTo(3_000, 6)
    expect(cost?.perRowUs).toBeCloseTo(9, 6)
  })

  it('takes runs of different lengths, and gives nothing for calls of one size', () => {
    const cost = callCost({ rows: 50_000, calls: 500, cpuUsPerRow: 15 }, { rows: 400_000, calls: 400, cpuUsPerRow: 6 })
    // 100 rows a call against 1,000: perCall × (1/100 − 1/1000) = 9.
    expect(cost?.perCallUs).toBeCloseTo(1_000, 6)
    expect(cost?.perRowUs).toBeCloseTo(5, 6)
    expect(
      callCost({ rows: 1000, calls: 10, cpuUsPerRow: 5 }, { rows: 2000, calls: 20, cpuUsPerRow: 4 }),
    ).toBeUndefined()
  })
})
