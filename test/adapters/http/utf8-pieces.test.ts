import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Utf8Pieces } from '../../../src/adapters/http/utf8-pieces.ts'

/** Text with characters of one to four UTF-8 bytes, a byte order mark now and then. */
const text = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('é', '€', '😀', '\uFEFF', 'ab')), {
    maxLength: 30,
  })
  .map((parts) => parts.join(''))

/** Cut points in the bytes, and how much of each decoded piece a reader leaves unread. */
const cutText = fc.tuple(text, fc.array(fc.nat(), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 9 }))

function pieces(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const p of points) {
    out.push(bytes.subarray(from, p))
    from = p
  }
  out.push(bytes.subarray(from))
  return out
}

/** What a reader ends with that leaves `leave[i]` characters of each piece unread (never half a pair). */
function read(bytes: Buffer, cuts: readonly number[], leave: readonly number[]): string {
  const decoder = new Utf8Pieces()
  let done = ''
  let unread = ''
  for (const [i, piece] of pieces(bytes, cuts).entries()) {
    const got = decoder.decode(unread, piece)
    expect(got.startsWith(unread)).toBe(true)
    let keep = Math.min(got.length, leave[i] ?? 0)
    const c = got.charCodeAt(got.length - keep)
    if (keep > 0 && c >= 0xdc00 && c <= 0xdfff) keep++
    keep = Math.min(keep, got.length)
    done += got.slice(0, got.length - keep)
    unread = got.slice(got.length - keep)
  }
  return done + unread + decoder.finish()
}

describe('Utf8Pieces', () => {
  it('gives the text of the whole body, whatever the pieces and what the reader leaves unread', () => {
    fc.assert(
      fc.property(cutText, ([t, cuts, leave]) => {
        const bytes = Buffer.from(t)
        expect(read(bytes, cuts, leave)).toBe(new TextDecoder().decode(bytes))
      }),
      { numRuns: 5000 },
    )
  })

  it('drops a byte order mark at the start of the body only', () => {
    const bytes = Buffer.from('\uFEFF<a>\uFEFFb</a>')
    expect(read(bytes, [1, 2, 5], [0, 2, 1])).toBe('<a>\uFEFFb</a>')
    expect(read(Buffer.from('<a>\uFEFF'), [3, 4], [0, 0])).toBe('<a>\uFEFF')
  })

  it('refuses invalid UTF-8 anywhere, a character cut off at the end included', () => {
    fc.assert(
      fc.property(
        text,
        fc.nat(),
        fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x80], [0xed, 0xa0, 0x80]),
        fc.array(fc.nat(), { maxLength: 5 }),
        (t, n, bad, cuts) => {
          const good = Buffer.from(t)
          const at = n % (good.length + 1)
          // Not inside a character of the good text: only `bad` is wrong.
          let i = at
          while (i < good.length && (good[i]! & 0xc0) === 0x80) i++
          const bytes = Buffer.concat([good.subarray(0, i), Buffer.from(bad), good.subarray(i)])
          const truncated = i === good.length && bad[0]! >= 0xc0
          expect(() => read(bytes, cuts, [])).toThrow(TypeError)
          if (truncated) expect(() => read(bytes, [bytes.length - 1], [])).toThrow(TypeError)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
