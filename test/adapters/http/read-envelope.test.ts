import { describe, expect, it } from 'vitest'
import { InflightBudget } from '../../../src/adapters/http/inflight-budget.ts'
import { type BodyLimits, readEnvelope } from '../../../src/adapters/http/read-envelope.ts'
import type { BodyChunk, RequestBody } from '../../../src/adapters/http/request-body.ts'
import { batch, peopleTable, rowDataCall } from '../../support/envelopes.ts'

const LIMITS: BodyLimits = {
  maxBodyBytes: 32 * 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
  bodyTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  maxDepth: 64,
  maxElements: 4_000_000,
}

/** A body whose pieces are all there already: each read resolves at once, as Node's buffered chunks do. */
function bufferedBody(bytes: Buffer, piece: number): RequestBody {
  let at = 0
  return {
    read: async (): Promise<BodyChunk> => {
      if (at >= bytes.length) return { done: true }
      const value = bytes.subarray(at, at + piece)
      at += piece
      return { done: false, value }
    },
    cancel: async () => undefined,
  }
}

describe('reading a body', () => {
  it('lets the event loop run between the pieces of a body that has all arrived', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => [`[I:${i}]`, `person ${i}`, null])
    const call = await rowDataCall([batch(peopleTable(), 5, rows)])
    const bytes = Buffer.from(call.body)
    const request = new Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: call.action },
    })
    const pieces = Math.ceil(bytes.length / 4096)
    // Another call's answer arriving meanwhile: a callback of the event loop, not a microtask.
    let turns = 0
    let ticking = true
    const tick = () => {
      turns++
      if (ticking) setImmediate(tick)
    }
    setImmediate(tick)
    const read = await readEnvelope(
      request,
      LIMITS,
      async () => undefined,
      new InflightBudget(64 * 1024 * 1024, 100).lease(),
      bufferedBody(bytes, 4096),
    )
    ticking = false
    expect(read.kind).toBe('envelope')
    expect(pieces).toBeGreaterThan(20)
    expect(turns).toBeGreaterThan(pieces / 2)
  })
})
