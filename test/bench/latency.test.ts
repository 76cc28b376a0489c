import { describe, expect, it } from 'vitest'
import { percentile, summarizeLatencies } from '../../bench/latency.ts'

describe('latency percentiles (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1)

  it('takes the smallest sample with p% of the samples at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 95)).toBe(95)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 100)).toBe(100)
    expect(percentile(hundred, 0.5)).toBe(1)
  })

  it('rounds the rank up, so that a few slow calls among few calls show in p99', () => {
    // 10 calls, one of them slow: p99 (rank 9.9 -> 10) is that slow call, p50 is not.
    const calls = [100, 100, 100, 100, 100, 100, 100, 100, 100, 5000]
    expect(percentile(calls, 99)).toBe(5000)
    expect(percentile(calls, 90)).toBe(100)
    expect(percentile(calls, 50)).toBe(100)
  })

  it('summarizes unsorted latencies without changing them', () => {
    const ms = [30, 10, 20, 40]
    const summary = summarizeLatencies(ms)
    expect(ms).toEqual([30, 10, 20, 40])
    expect(summary).toEqual({ calls: 4, p50Ms: 20, p95Ms: 40, p99Ms: 40, maxMs: 40, meanMs: 25 })
  })

  it('is NaN with no calls and refuses a percentile out of range', () => {
    expect(summarizeLatencies([]).p99Ms).toBeNaN()
    expect(() => percentile(hundred, 0)).toThrow(RangeError)
    expect(() => percentile(hundred, 101)).toThrow(RangeError)
  })
})
