/**
 * A body's UTF-8 pieces as text for a parser that hands back what it could not read yet (the
 * start of an element cut by the piece's end): that text is put before the next piece's bytes
 * and decoded with them into one string, rather than the parser joining its leftover with the
 * next piece's text, which copied every piece once more in the collected heap (measured: as many
 * bytes as the decoding itself). A piece is decoded up to its last whole character; the rest
 * waits for the next, so the decoder never holds half a character across a leftover.
 * Invalid UTF-8 throws TypeError, as TextDecoder's `fatal` does.
 */
export class Utf8Pieces {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true })
  /** Where a leftover, a held partial character and a piece are put together; grown, used again. */
  #scratch = Buffer.allocUnsafeSlow(0)
  /** The bytes of a character the last piece ended inside of (at most three). */
  #held = Buffer.alloc(4)
  #heldBytes = 0

  /** `leftover` (text the parser gave back) followed by `bytes`, as far as whole characters go. */
  decode(leftover: string, bytes: Uint8Array): string {
    if (leftover === '' && this.#heldBytes === 0) {
      const cut = wholeCharacters(bytes)
      this.#hold(bytes, cut)
      return this.#decoder.decode(bytes.subarray(0, cut), { stream: true })
    }
    const before = leftover === '' ? 0 : Buffer.byteLength(leftover)
    const size = before + this.#heldBytes + bytes.byteLength
    if (this.#scratch.byteLength < size)
      this.#scratch = Buffer.allocUnsafeSlow(Math.max(size, 2 * this.#scratch.byteLength))
    const scratch = this.#scratch
    if (before > 0) scratch.write(leftover, 0)
    this.#held.copy(scratch, before, 0, this.#heldBytes)
    scratch.set(bytes, before + this.#heldBytes)
    const all = scratch.subarray(0, size)
    const cut = wholeCharacters(all)
    this.#hold(all, cut)
    return this.#decoder.decode(all.subarray(0, cut), { stream: true })
  }

  /** The end of the body: a character left unfinished is invalid UTF-8. */
  finish(): string {
    if (this.#heldBytes > 0) this.#decoder.decode(this.#held.subarray(0, this.#heldBytes), { stream: true })
    return this.#decoder.decode()
  }

  #hold(bytes: Uint8Array, cut: number): void {
    this.#heldBytes = bytes.byteLength - cut
    if (this.#heldBytes > 0) this.#held.set(bytes.subarray(cut), 0)
  }
}

/**
 * Where the last character of `bytes` starts if its bytes are not all there, else the length:
 * a lead byte among the last three that announces more bytes than follow it. Anything invalid
 * is left for the decoder to refuse.
 */
function wholeCharacters(bytes: Uint8Array): number {
  const n = bytes.byteLength
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    const b = bytes[i]!
    if (b < 0x80) return n
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2
      return n - i < length ? i : n
    }
  }
  return n
}
