/** One request taken from a capture: its headers (lower-case names) and its body. */
export interface CapturedRequest {
  readonly headers: ReadonlyMap<string, string>
  readonly body: string
}

const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d(?:\.\d)?[ \t]*\r?$/gm

/**
 * Reads a capture file: a bare SOAP envelope, or one or more raw HTTP requests with their
 * headers. Requests are split at request lines, not by Content-Length: published captures
 * are often pretty-printed, so their bodies no longer match the length they were sent with.
 */
export function parseCapture(text: string): CapturedRequest[] {
  const content = text.replace(/^\uFEFF/, '')
  const starts = [...content.matchAll(REQUEST_LINE)].map((m) => m.index!)
  if (starts.length === 0 || content.slice(0, starts[0]).trim() !== '') {
    return [{ headers: new Map(), body: content.trim() }]
  }
  return starts.map((start, i) => parseRequest(content.slice(start, starts[i + 1] ?? content.length)))
}

function parseRequest(raw: string): CapturedRequest {
  const separator = /\r?\n\r?\n/.exec(raw)
  const head = separator ? raw.slice(0, separator.index) : raw
  const body = separator ? raw.slice(separator.index + separator[0].length) : ''
  const headers = new Map<string, string>()
  for (const line of head.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return { headers, body: body.trim() }
}

/** The claims of the request's SignedToken, decoded without verification (for the clock and the report). */
export function tokenClaims(body: string): { readonly nbf?: number; readonly contextId?: string } {
  const token = /<(?:[\w.-]+:)?SignedToken\b[^>]*>\s*([A-Za-z0-9_.-]+)\s*</.exec(body)?.[1]
  const payload = token?.split('.')[1]
  if (!payload) return {}
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
    const ctx = claims['http://schemes.superoffice.net/identity/ctx'] ?? claims.sub
    return {
      ...(typeof claims.nbf === 'number' ? { nbf: claims.nbf } : {}),
      ...(typeof ctx === 'string' ? { contextId: ctx } : {}),
    }
  } catch {
    return {}
  }
}
