import { describe, expect, it } from 'vitest'
import { shareRows, sharesOverRounds } from '../../bench/rounds.ts'

const m = (bench: string, target: string, rowsPerSecond: number, round?: number) => ({
  bench,
  target,
  rowsPerSecond,
  ...(round ? { round } : {}),
})

describe('sharesOverRounds', () => {
  it('takes each share within its round and sums them up as median and range', () => {
    const measures = [
      m('raw load', 'postgres', 200, 1),
      m('pgloader (SQLite → PostgreSQL)', 'postgres', 100, 1),
      m('full load', 'postgres', 80, 1),
      m('raw load', 'postgres', 100, 2),
      m('pgloader (SQLite → PostgreSQL)', 'postgres', 50, 2),
      m('full load', 'postgres', 60, 2),
      m('raw load', 'postgres', 160, 3),
      m('pgloader (SQLite → PostgreSQL)', 'postgres', 80, 3),
      m('full load', 'postgres', 80, 3),
      m('raw load', 'sqlite', 100, 1),
      m('apply only, 1 MB batches', 'sqlite', 70, 1),
    ]
    const shares = sharesOverRounds(measures, ['sqlite', 'postgres'])
    // Round by round: 0.4, 0.6, 0.5, not the 220 / 460 of all rounds together.
    expect(shares.postgres?.['full load / raw']).toEqual({ median: 0.5, min: 0.4, max: 0.6, each: [0.4, 0.6, 0.5] })
    expect(shares.postgres?.['full load / pgloader']?.each).toEqual([0.8, 1.2, 1])
    expect(shares.sqlite).toEqual({ 'apply only (1 MB) / raw': { median: 0.7, min: 0.7, max: 0.7, each: [0.7] } })
    expect(shareRows(shares)[0]).toEqual(['sqlite', 'apply only (1 MB) / raw', '70 %', '70 % – 70 %', '70 %'])
  })

  it('leaves out a share one side of which was not measured, and an even count has the middle two averaged', () => {
    const shares = sharesOverRounds(
      [m('raw load', 'mysql', 100), m('full load', 'mysql', 30), m('apply only, 1 MB batches', 'postgres', 50)],
      ['mysql', 'postgres'],
    )
    expect(Object.keys(shares)).toEqual(['mysql'])
    expect(Object.keys(shares.mysql!)).toEqual(['full load / raw'])
    const even = sharesOverRounds(
      [1, 2, 3, 4].flatMap((round) => [
        m('raw load', 'sqlite', 100, round),
        m('full load', 'sqlite', 10 * round, round),
      ]),
      ['sqlite'],
    )
    expect(even.sqlite?.['full load / raw']?.median).toBeCloseTo(0.25)
  })
})
