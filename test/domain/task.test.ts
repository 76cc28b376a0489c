import { describe, expect, it } from 'vitest'
import { checkClientId, checkMirroringUrl } from '../../src/domain/registry/registered-application.ts'
import { BLOCKED_TABLES, tablesToMirror } from '../../src/domain/task/blocked-tables.ts'
import { formatNonce, tokenClaims } from '../../src/domain/task/issued-token.ts'
import { decideLoad } from '../../src/domain/task/load-decision.ts'
import { parseBatchSize, parseSkipTable } from '../../src/domain/task/preferences.ts'
import { RowBatcher } from '../../src/domain/task/row-batcher.ts'
import { DEFAULT_STOP_WINDOW, inStopWindow, isDue, parseStopWindow } from '../../src/domain/task/schedule.ts'

describe('RowBatcher', () => {
  it('cuts a full load at the byte budget, -1 on every batch but the last', () => {
    const b = new RowBatcher<string>(100, { kind: 'full' })
    const closed = ['a', 'b', 'c', 'd', 'e'].map((r) => b.add(r, 40)).filter((x) => x !== undefined)
    expect(closed).toEqual([
      { rows: ['a', 'b'], lsn: -1 },
      { rows: ['c', 'd'], lsn: -1 },
    ])
    expect(b.finish(77)).toEqual({ rows: ['e'], lsn: 77 })
  })

  it('sends a row larger than the budget alone, never split', () => {
    const b = new RowBatcher<string>(100, { kind: 'full' })
    expect(b.add('small', 10)).toBeUndefined()
    expect(b.add('huge', 500)).toEqual({ rows: ['small'], lsn: -1 })
    expect(b.add('next', 10)).toEqual({ rows: ['huge'], lsn: -1 })
  })

  it('gives an incremental batch the highest version it completes', () => {
    const b = new RowBatcher<string>(100, { kind: 'incremental', since: 10 })
    expect(b.add('v11a', 40, 11)).toBeUndefined()
    expect(b.add('v12a', 40, 12)).toBeUndefined()
    // v12 is cut in two: the closed batch completes only version 11.
    expect(b.add('v12b', 40, 12)).toEqual({ rows: ['v11a', 'v12a'], lsn: 11 })
    expect(b.add('v13', 40, 13)).toBeUndefined()
    // A cut exactly at a version boundary completes the previous version.
    expect(b.add('v14', 40, 14)).toEqual({ rows: ['v12b', 'v13'], lsn: 13 })
    expect(b.finish(20)).toEqual({ rows: ['v14'], lsn: 20 })
  })

  it('keeps the starting LSN when the first cut falls inside the first version', () => {
    const b = new RowBatcher<string>(50, { kind: 'incremental', since: 5 })
    b.add('a', 40, 6)
    expect(b.add('b', 40, 6)).toEqual({ rows: ['a'], lsn: 5 })
  })

  it('refuses rows out of version order', () => {
    const b = new RowBatcher<string>(50, { kind: 'incremental', since: 5 })
    b.add('a', 1, 9)
    expect(() => b.add('b', 1, 7)).toThrow(RangeError)
  })
})

describe('decideLoad', () => {
  const base = { mirrorLsn: 50, currentVersion: 60, minValidVersion: 10, justEnabled: false }
  it.each([
    [{ justEnabled: true }, 'full'],
    [{ mirrorLsn: -1 }, 'full'],
    [{ mirrorLsn: 5 }, 'full'],
    [{ mirrorLsn: 61 }, 'full'],
    [{ mirrorLsn: 10 }, 'incremental'],
    [{ mirrorLsn: 60 }, 'incremental'],
    [{}, 'incremental'],
  ])('%o → %s', (change, kind) => {
    expect(decideLoad({ ...base, ...change }).kind).toBe(kind)
  })
})

describe('tablesToMirror', () => {
  it('drops blocked and skipped tables without regard to case, sorted', () => {
    expect(tablesToMirror(['Person', 'config', 'contact', 'Sale', 'credentials'], ['SALE'])).toEqual([
      'contact',
      'Person',
    ])
    expect(BLOCKED_TABLES).toContain('sequence')
  })
})

describe('preferences', () => {
  it('parses SkipTable and BatchSize as SuperOffice stores them', () => {
    expect(parseSkipTable(' person, ,sale ')).toEqual(['person', 'sale'])
    expect(parseBatchSize('500000')).toEqual({ ok: true, value: 500000 })
    expect(parseBatchSize('12')).toMatchObject({ ok: false })
    expect(parseBatchSize('1e6')).toMatchObject({ ok: false })
  })
})

describe('schedule', () => {
  const at = (h: number, m: number) => Date.UTC(2026, 10, 25, h, m)
  it('parses windows and honours ones across midnight', () => {
    expect(parseStopWindow('01:30-03:00')).toEqual(DEFAULT_STOP_WINDOW)
    expect(parseStopWindow('25:00-01:00')).toBeUndefined()
    const night = parseStopWindow('23:00-02:00')
    expect(inStopWindow(night, at(23, 30))).toBe(true)
    expect(inStopWindow(night, at(1, 59))).toBe(true)
    expect(inStopWindow(night, at(2, 0))).toBe(false)
  })

  it('is due right after approval, then every interval, never in the stop window', () => {
    const interval = 20 * 60_000
    expect(isDue({ approvedAt: at(10, 0), lastStartedAt: undefined }, at(10, 0), interval, DEFAULT_STOP_WINDOW)).toBe(
      true,
    )
    expect(isDue({ approvedAt: at(9, 0), lastStartedAt: at(10, 0) }, at(10, 19), interval, undefined)).toBe(false)
    expect(isDue({ approvedAt: at(9, 0), lastStartedAt: at(10, 0) }, at(10, 20), interval, undefined)).toBe(true)
    expect(isDue({ approvedAt: at(9, 0), lastStartedAt: undefined }, at(2, 0), interval, DEFAULT_STOP_WINDOW)).toBe(
      false,
    )
    // Re-approval after a revoke starts a cycle at once.
    expect(isDue({ approvedAt: at(10, 5), lastStartedAt: at(10, 0) }, at(10, 6), interval, undefined)).toBe(true)
  })
})

describe('issued tokens', () => {
  it('carries the claims of protocol.md §4.1', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0, 500)
    expect(tokenClaims('Cust1', 'abc', 'N', now)).toEqual({
      sub: 'Cust1',
      nonce: 'N',
      'http://schemes.superoffice.net/identity/ctx': 'Cust1',
      nbf: 1767268800 - 60,
      exp: 1767268800 + 300,
      iss: 'SuperOffice AS',
      aud: 'spn:abc',
    })
    expect(formatNonce(Uint8Array.from({ length: 16 }, (_, i) => i * 17))).toBe('00112233445566778899AABBCCDDEEFF')
  })
})

describe('registered applications', () => {
  it('validates client ids and mirroring URLs', () => {
    expect(checkClientId('6cf25376616343b38d14ddcd804f2891').ok).toBe(true)
    expect(checkClientId('a b').ok).toBe(false)
    expect(checkMirroringUrl('https://partner.example/Mirror.svc').ok).toBe(true)
    expect(checkMirroringUrl('https://user:pw@partner.example/').ok).toBe(false)
    expect(checkMirroringUrl('ftp://partner.example/').ok).toBe(false)
  })
})
