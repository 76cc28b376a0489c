/**
 * Below zero when the character code `c` is not a decimal digit: OR-ed over many characters, one
 * test of the sign checks them all (the fast readers of datetimes do so for every value).
 */
export const notDigitCode = (c: number): number => (c - 48) | (57 - c)
