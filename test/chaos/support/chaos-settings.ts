import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** `full` unless TM_CHAOS=quick; every suite scales its counts by this. */
export const CHAOS_MODE: 'quick' | 'full' = process.env.TM_CHAOS === 'quick' ? 'quick' : 'full'

/** One seed for every generator, so that a failing run can be repeated exactly (TM_CHAOS_SEED). */
export const CHAOS_SEED = Number(process.env.TM_CHAOS_SEED ?? 20261125)

/** A count for the current mode. */
export function scaled(full: number, quick: number): number {
  return CHAOS_MODE === 'quick' ? quick : full
}

/** A small seeded generator (mulberry32) for choices outside fast-check. */
export function seededRandom(seed: number = CHAOS_SEED): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Writes a suite's counts to test-artifacts/chaos/<suite>.json (the README's reliability figures
 * come from a full run) and prints them.
 */
export function reportCounts(suite: string, counts: Record<string, unknown>): void {
  const dir = join(process.cwd(), 'test-artifacts', 'chaos')
  mkdirSync(dir, { recursive: true })
  const record = { suite, mode: CHAOS_MODE, seed: CHAOS_SEED, at: new Date().toISOString(), ...counts }
  writeFileSync(join(dir, `${suite}.json`), `${JSON.stringify(record, null, 2)}\n`)
  console.log(`[chaos] ${suite}: ${JSON.stringify(record)}`)
}
