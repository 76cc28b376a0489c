import { describe, expect, it } from 'vitest'
import { decodeBase64, encodeBase64 } from '../../src/domain/shared/base64.ts'

describe('base64', () => {
  it('agrees with Node for every length and byte', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + length) & 255)
      const text = Buffer.from(bytes).toString('base64')
      expect(encodeBase64(bytes)).toBe(text)
      expect(decodeBase64(text)).toEqual(bytes)
    }
  })

  it.each(['A', 'AB=', 'A===', 'AB-_', 'ab c', '=AAA', 'AA=A'])('refuses %j', (text) => {
    expect(decodeBase64(text)).toBeUndefined()
  })
})
