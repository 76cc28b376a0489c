/** A daily UTC time window, `HH:MM`–`HH:MM`, possibly across midnight (e.g. 23:00–06:00). */
export interface StopWindow {
  /** Minutes after midnight UTC. */
  readonly start: number
  readonly end: number
}

export function parseStopWindow(text: string): StopWindow | undefined {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim())
  if (!m) return undefined
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number]
  if (h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) return undefined
  return { start: h1 * 60 + m1, end: h2 * 60 + m2 }
}

export function inStopWindow(window: StopWindow | undefined, epochMs: number): boolean {
  if (!window || window.start === window.end) return false
  const d = new Date(epochMs)
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes()
  return window.start < window.end
    ? minute >= window.start && minute < window.end
    : minute >= window.start || minute < window.end
}

/** Default nightly stop window of SuperOffice's scheduler (protocol.md §1.3): 01:30–03:00 UTC. */
export const DEFAULT_STOP_WINDOW: StopWindow = { start: 90, end: 180 }

export interface PairSchedule {
  readonly approvedAt: number
  readonly lastStartedAt: number | undefined
}

/**
 * Whether a pair's cycle is due (protocol.md §1.3): right after approval, then every interval
 * after the last start; never inside the stop window.
 */
export function isDue(pair: PairSchedule, now: number, intervalMs: number, window: StopWindow | undefined): boolean {
  if (inStopWindow(window, now)) return false
  if (pair.lastStartedAt === undefined || pair.lastStartedAt < pair.approvedAt) return true
  return now - pair.lastStartedAt >= intervalMs
}
