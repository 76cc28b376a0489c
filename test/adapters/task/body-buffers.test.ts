import { describe, expect, it } from 'vitest'
import { BodyBuffers } from '../../../src/adapters/task/soap/body-buffers.ts'

describe('BodyBuffers', () => {
  it('gives back the smallest waiting buffer that is large enough, and a new one when none is', () => {
    const bodies = new BodyBuffers(4)
    const small = bodies.take(100_000)
    const large = bodies.take(1_000_000)
    expect(small.byteLength).toBeGreaterThanOrEqual(100_000)
    expect(large.byteLength).toBeGreaterThanOrEqual(1_000_000)
    bodies.give(large)
    bodies.give(small)
    expect(bodies.take(50_000)).toBe(small)
    expect(bodies.take(900_000)).toBe(large)
    const fresh = bodies.take(900_000)
    expect(fresh).not.toBe(large)
    expect(bodies.waiting).toBe(0)
  })

  it('keeps at most its count, dropping the smallest, and at most its bytes, dropping the largest', () => {
    const bodies = new BodyBuffers(2, 3 * 1024 * 1024)
    const [a, b, c] = [bodies.take(1), bodies.take(600_000), bodies.take(1_200_000)]
    for (const buffer of [a, b, c]) bodies.give(buffer)
    expect(bodies.waiting).toBe(2)
    expect(bodies.take(1)).toBe(b)
    bodies.give(b)
    const huge = bodies.take(5 * 1024 * 1024)
    bodies.give(huge)
    // Three waited, so the smallest went; the two left were over 3 MB, so the largest went too.
    expect(bodies.waiting).toBe(1)
    expect(bodies.take(1)).toBe(c)
  })
})
