import { describe, expect, it } from 'vitest'
import { KeyedMutex } from '../../src/application/keyed-mutex.ts'

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('KeyedMutex', () => {
  it('runs work for one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex()
    const log: string[] = []
    await Promise.all(
      [1, 2, 3].map((n) =>
        mutex.run(['a'], async () => {
          log.push(`start ${n}`)
          await tick(5)
          log.push(`end ${n}`)
        }),
      ),
    )
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3'])
    expect(mutex.size).toBe(0)
  })

  it('does not deadlock on overlapping key sets taken in different orders', async () => {
    const mutex = new KeyedMutex()
    const done = await Promise.all([
      mutex.run(['a', 'b'], async () => {
        await tick(5)
        return 1
      }),
      mutex.run(['b', 'a'], async () => {
        await tick(5)
        return 2
      }),
    ])
    expect(done).toEqual([1, 2])
  })

  it('releases a key when the work throws', async () => {
    const mutex = new KeyedMutex()
    await expect(mutex.run(['a'], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await mutex.run(['a'], async () => 'after')).toBe('after')
  })
})
