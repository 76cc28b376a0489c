import { getHeapStatistics } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { heapShortfall } from '../../../src/adapters/cli/heap-room.ts'

const MB = 1024 * 1024

describe('heapShortfall', () => {
  it('lets the default budget (32 MB of calls) run under the 512 MB ceiling the service starts with', () => {
    // What V8 reports as the limit for --max-old-space-size=512 --max-semi-space-size=8.
    expect(heapShortfall(32 * MB, 536 * MB)).toBeUndefined()
    expect(heapShortfall(32 * MB, 352 * MB)).toBeUndefined()
  })

  it('names the budget, the heap it needs, the ceiling, and both ways out', () => {
    expect(heapShortfall(64 * MB, 524 * MB)).toBe(
      '--max-inflight-bytes of 64 MB lets calls hold up to about 640 MB of heap, but this process' +
        "'s V8 heap stops at 524 MB: start node with --max-old-space-size=640 or more, or lower --max-inflight-bytes",
    )
    expect(heapShortfall(32 * MB, 351 * MB)).toContain('--max-old-space-size=352 or more')
  })

  it("reads this process's own ceiling by default", () => {
    const limit = getHeapStatistics().heap_size_limit
    expect(heapShortfall(Math.floor(limit / 9))).toContain(`stops at ${Math.ceil(limit / MB)} MB`)
    expect(heapShortfall(MB)).toBeUndefined()
  })
})
