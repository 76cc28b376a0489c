/** A reply bigger than the client accepts. */
class ReplyTooLarge extends Error {
  constructor(limit: number) {
    super(`reply larger than ${limit} bytes`)
    this.name = 'ReplyTooLarge'
  }
}

/** The body as text, read as it arrives and abandoned once it passes `limit` bytes. */
export async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return ''
  const decoder = new TextDecoder('utf-8')
  let received = 0
  let text = ''
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    received += chunk.byteLength
    if (received > limit) {
      await response.body.cancel().catch(() => undefined)
      throw new ReplyTooLarge(limit)
    }
    text += decoder.decode(chunk, { stream: true })
  }
  return text + decoder.decode()
}
