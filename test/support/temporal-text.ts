import fc from 'fast-check'

const pad = (n: number, width: number) => String(n).padStart(width, '0')

export type TemporalShape = 'date' | 'datetime' | 'offset'

/**
 * `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss.fffffff`, or that and `±HH:MM`, from its parts as they
 * are: valid or not, so that a test can make either.
 */
export function temporalText(
  [y, mo, d, h, mi, s, f, offsetMinutes]: readonly [number, number, number, number, number, number, number, number],
  shape: TemporalShape,
): string {
  const date = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`
  if (shape === 'date') return date
  const time = `${date} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(f, 7)}`
  if (shape === 'datetime') return time
  const o = offsetMinutes
  return `${time}${o < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(o) / 60), 2)}:${pad(Math.abs(o) % 60, 2)}`
}

/** The parts of a valid value: any year and fraction, days up to the 28th, an offset within ±14 h. */
export const validParts = fc.tuple(
  fc.integer({ min: 1, max: 9999 }),
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: 1, max: 28 }),
  fc.integer({ min: 0, max: 23 }),
  fc.integer({ min: 0, max: 59 }),
  fc.integer({ min: 0, max: 59 }),
  fc.integer({ min: 0, max: 9_999_999 }),
  fc.integer({ min: -14 * 60, max: 14 * 60 }),
)

/** Canonical datetimes (cell-value.ts): `yyyy-MM-dd HH:mm:ss.fffffff`. */
export const canonicalDateTime = validParts.map((parts) => temporalText(parts, 'datetime'))
