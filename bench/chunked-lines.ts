/** Lines joined into chunks of about `size` characters: one write (one CopyData, one packet) each, not one per line. */
export function* chunkedLines(lines: Iterable<string>, size = 65_536): Generator<string> {
  let parts: string[] = []
  let length = 0
  for (const line of lines) {
    parts.push(line)
    length += line.length
    if (length >= size) {
      yield parts.join('')
      parts = []
      length = 0
    }
  }
  if (parts.length > 0) yield parts.join('')
}
