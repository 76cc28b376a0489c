import { err, ok, type Result } from '../shared/result.ts'

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/

/**
 * Reads an invariant decimal (`-12.5`, `1E-05`) exactly, as text, and fits it to
 * decimal(precision, scale): returns the canonical form with exactly `scale` decimals, or why
 * it does not fit. Extra decimals are accepted only when they are zeros, never rounded.
 */
export function fitDecimal(text: string, precision: number, scale: number): Result<string, string> {
  const m = NUMBER.exec(text)
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return err('is not a decimal number')
  const exponent = Number(m[4] ?? 0)
  let digits = (m[2] ?? '') + (m[3] ?? '')
  let point = (m[2] ?? '').length + exponent
  if (point < 0) {
    digits = '0'.repeat(-point) + digits
    point = 0
  } else if (point > digits.length) {
    digits = digits + '0'.repeat(point - digits.length)
  }
  const integer = digits.slice(0, point).replace(/^0+/, '')
  const fraction = digits.slice(point)
  const kept = fraction.slice(0, scale)
  if (/[1-9]/.test(fraction.slice(scale))) return err(`has more than ${scale} decimal places`)
  if (integer.length > precision - scale) return err(`has more than ${precision - scale} digits before the point`)
  const body = `${integer || '0'}${scale > 0 ? `.${kept.padEnd(scale, '0')}` : ''}`
  const zero = /^[0.]*$/.test(body)
  return ok(m[1] === '-' && !zero ? `-${body}` : body)
}

/** Whether a canonical decimal lies within [min, max], both given as canonical decimals of the same scale. */
export function decimalWithin(value: string, min: string, max: string): boolean {
  const scaled = (s: string) => BigInt(s.replace('.', ''))
  const v = scaled(value)
  return v >= scaled(min) && v <= scaled(max)
}
