import { describe, expect, it } from 'vitest'
import { InflightBudget } from '../../../src/adapters/http/inflight-budget.ts'

describe('InflightBudget', () => {
  it('grants what fits at once and holds it until released', async () => {
    const budget = new InflightBudget(100, 50)
    const a = budget.lease()
    expect(await a.grow(60)).toBe(true)
    expect(await a.grow(40)).toBe(true)
    expect(budget.used).toBe(100)
    a.release()
    a.release()
    expect(budget.used).toBe(0)
  })

  it('makes a call that does not fit wait, in arrival order, and lets it in when room is given back', async () => {
    const budget = new InflightBudget(100, 1_000)
    const first = budget.lease()
    await first.grow(90)
    const order: string[] = []
    const big = budget.lease()
    const small = budget.lease()
    const bigGranted = big.grow(50).then((g) => order.push(`big ${g}`))
    // Small would fit beside the first, but it queues behind big: no starvation of big calls.
    const smallGranted = small.grow(5).then((g) => order.push(`small ${g}`))
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual([])
    first.release()
    await Promise.all([bigGranted, smallGranted])
    expect(order).toEqual(['big true', 'small true'])
    expect(budget.used).toBe(55)
  })

  it('answers false after the wait, and then lets those behind the refused one in', async () => {
    const budget = new InflightBudget(100, 30)
    await budget.lease().grow(80)
    const refused = budget.lease()
    const started = Date.now()
    expect(await refused.grow(50)).toBe(false)
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
    expect(refused.held).toBe(0)
    expect(budget.used).toBe(80)
    expect(await budget.lease().grow(200)).toBe(false)
  })

  it('gives back at once what a lease released while waiting is granted', async () => {
    const budget = new InflightBudget(100, 1_000)
    const holder = budget.lease()
    await holder.grow(100)
    const waiting = budget.lease()
    const granted = waiting.grow(30)
    waiting.release()
    holder.release()
    expect(await granted).toBe(false)
    expect(budget.used).toBe(0)
  })

  it('lets in at most maxCalls calls at once, the next in arrival order as one leaves, whatever their bytes', async () => {
    const budget = new InflightBudget(1_000, 1_000, 2)
    const [a, b, c, d] = [budget.lease(), budget.lease(), budget.lease(), budget.lease()]
    expect(await a.grow(10)).toBe(true)
    expect(await b.grow(10)).toBe(true)
    const order: string[] = []
    const cIn = c.grow(10).then((g) => order.push(`c ${g}`))
    const dIn = d.grow(10).then((g) => order.push(`d ${g}`))
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual([])
    expect(budget.calls).toBe(2)
    b.release()
    await cIn
    expect(order).toEqual(['c true'])
    a.release()
    await dIn
    expect(order).toEqual(['c true', 'd true'])
    expect(budget.calls).toBe(2)
    expect(budget.peakCalls).toBe(2)
    c.release()
    d.release()
    expect([budget.calls, budget.used]).toEqual([0, 0])
  })

  it('lets a call that is in take more bytes without queueing behind calls waiting for a place', async () => {
    const budget = new InflightBudget(100, 1_000, 1)
    const streaming = budget.lease()
    expect(await streaming.grow(10)).toBe(true)
    const waiting = budget.lease()
    const waitingIn = waiting.grow(10)
    // Its body arrives in chunks: each chunk is granted though a new call waits ahead of it.
    expect(await streaming.grow(20)).toBe(true)
    expect(await streaming.grow(20)).toBe(true)
    expect(budget.used).toBe(50)
    streaming.release()
    expect(await waitingIn).toBe(true)
    expect([budget.calls, budget.used]).toEqual([1, 10])
  })

  it('turns a call away as busy when no place comes free within the wait', async () => {
    const budget = new InflightBudget(100, 30, 1)
    await budget.lease().grow(1)
    const refused = budget.lease()
    expect(await refused.grow(1)).toBe(false)
    expect(budget.refusals).toBe(1)
    expect(budget.calls).toBe(1)
  })
})
