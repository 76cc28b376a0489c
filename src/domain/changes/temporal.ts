import { err, ok, type Result } from '../shared/result.ts'

/** Date and time parts of a `[DT:]` or `[T:]` wire value; fraction in 100 ns ticks (7 digits). */
export interface Temporal {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly fraction: string
  /** Minutes east of UTC, for datetimeoffset. */
  readonly offset: number | undefined
}

const WIRE_DATETIME =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?: ?([+-])(\d{2}):(\d{2}))?$/
const WIRE_TIME = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/
const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})\.(\d{7}))?(?:([+-])(\d{2}):(\d{2}))?$/

/** Parses `MM/dd/yyyy HH:mm:ss.fffffff[ +hh:mm]` (wire-profile §4); checks the calendar. */
export function parseWireDateTime(text: string): Result<Temporal, string> {
  const m = WIRE_DATETIME.exec(text)
  if (!m) return err('is not MM/dd/yyyy HH:mm:ss.fffffff')
  const offset = m[8] === undefined ? undefined : offsetMinutes(m[8], m[9]!, m[10]!)
  return checked({
    year: Number(m[3]),
    month: Number(m[1]),
    day: Number(m[2]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    fraction: (m[7] ?? '').padEnd(7, '0'),
    offset,
  })
}

/** Parses `HH:mm:ss.fffffff`. */
export function parseWireTime(text: string): Result<Temporal, string> {
  const m = WIRE_TIME.exec(text)
  if (!m) return err('is not HH:mm:ss.fffffff')
  const t = {
    year: 1900,
    month: 1,
    day: 1,
    hour: Number(m[1]),
    minute: Number(m[2]),
    second: Number(m[3]),
    fraction: (m[4] ?? '').padEnd(7, '0'),
    offset: undefined,
  }
  return checked(t)
}

function offsetMinutes(sign: string, hours: string, minutes: string): number {
  const value = Number(hours) * 60 + Number(minutes)
  return sign === '-' ? -value : value
}

function checked(t: Temporal): Result<Temporal, string> {
  if (t.month < 1 || t.month > 12) return err('has no such month')
  if (t.day < 1 || t.day > daysInMonth(t.year, t.month)) return err('has no such day')
  if (t.year < 1) return err('has year 0')
  if (t.hour > 23 || t.minute > 59 || t.second > 59) return err('has no such time of day')
  if (t.offset !== undefined && (Math.abs(t.offset) > 14 * 60 || Math.abs(t.offset % 60) > 59)) {
    return err('has an offset outside -14:00 to +14:00')
  }
  return ok(t)
}

/** Days in a month of the proleptic Gregorian calendar, as SQL Server counts them. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

const two = (n: number) => String(n).padStart(2, '0')

export function formatCanonicalDate(t: Temporal): string {
  return `${String(t.year).padStart(4, '0')}-${two(t.month)}-${two(t.day)}`
}

export function formatCanonicalTime(t: Temporal): string {
  return `${two(t.hour)}:${two(t.minute)}:${two(t.second)}.${t.fraction}`
}

export function formatCanonicalOffset(minutes: number): string {
  const abs = Math.abs(minutes)
  return `${minutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
}

/** Reads a canonical value (see cell-value.ts) back into parts; used to encode for the wire. */
export function parseCanonical(text: string): Temporal | undefined {
  const m = CANONICAL.exec(text)
  if (!m) return undefined
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    fraction: m[7] ?? '0000000',
    offset: m[8] === undefined ? undefined : offsetMinutes(m[8], m[9]!, m[10]!),
  }
}

export function formatWireDateTime(t: Temporal): string {
  const offset = t.offset === undefined ? '' : ` ${formatCanonicalOffset(t.offset)}`
  return `${two(t.month)}/${two(t.day)}/${String(t.year).padStart(4, '0')} ${formatCanonicalTime(t)}${offset}`
}

/** Compares calendar positions, ignoring the fraction: -1, 0 or 1. */
export function compareDateTime(t: Temporal, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const a = [t.year, t.month, t.day, t.hour, t.minute]
  const b = [year, month, day, hour, minute]
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  return 0
}
