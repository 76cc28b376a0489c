/** One request taken from a capture: its headers (lower-case names) and its body. */
export interface CapturedRequest {
  readonly headers: ReadonlyMap<string, string>
  readonly body: string
}

/** Something the reader had to guess about a request (0-based index), worth one line on stderr. */
export interface CaptureWarning {
  readonly request: number
  readonly message: string
}

/** The requests of a capture, and the warnings the reader found on the way. */
export interface Capture {
  readonly requests: CapturedRequest[]
  readonly warnings: CaptureWarning[]
}

const REQUEST_LINE = /[A-Z]+ \S+ HTTP\/\d(?:\.\d)?[ \t]*\r?(?:\n|$)/y
const NEXT_REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d(?:\.\d)?[ \t]*\r?$/gm
const HEAD_END = /\r?\n\r?\n/g

/**
 * Reads a capture file: a bare SOAP envelope, or one or more raw HTTP requests with their
 * headers. A request's body runs to the end of its envelope's root element, not by its
 * Content-Length: published captures are hand-edited or pretty-printed, so their bodies no
 * longer match the length they were sent with, and files joined without a newline put the
 * next request line right after `</s:Envelope>`. A disagreeing length is reported as a warning.
 */
export function parseCapture(text: string): Capture {
  const content = text.replace(/^\uFEFF/, '')
  let at = skipWhitespace(content, 0)
  REQUEST_LINE.lastIndex = at
  if (!REQUEST_LINE.test(content)) return { requests: [{ headers: new Map(), body: content.trim() }], warnings: [] }
  const requests: CapturedRequest[] = []
  const warnings: CaptureWarning[] = []
  while (at < content.length) {
    const request = requests.length
    HEAD_END.lastIndex = at
    const separator = HEAD_END.exec(content)
    const headers = readHeaders(content.slice(at, separator?.index ?? content.length))
    const bodyStart = separator ? separator.index + separator[0].length : content.length
    const envelopeEnd = endOfRootElement(content, bodyStart)
    // A body that is no complete element (empty, truncated, not XML) ends where the next request line begins.
    const end = envelopeEnd ?? nextRequestLine(content, bodyStart)
    const declared = headers.get('content-length')
    if (envelopeEnd !== undefined && declared !== undefined && !lengthAgrees(content, bodyStart, end, declared)) {
      const bytes = Buffer.byteLength(content.slice(bodyStart, end))
      const message = `Content-Length ${declared} does not match the ${bytes}-byte envelope; read to its end`
      warnings.push({ request, message })
    }
    requests.push({ headers, body: content.slice(bodyStart, end).trim() })
    at = skipWhitespace(content, end)
    REQUEST_LINE.lastIndex = at
    if (at < content.length && !REQUEST_LINE.test(content)) {
      const next = nextRequestLine(content, at)
      warnings.push({ request, message: `${next - at} characters after the request are no request; ignored` })
      at = next
    }
  }
  return { requests, warnings }
}

function readHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>()
  for (const line of head.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return headers
}

/**
 * The index after the close tag matching the first element at or after `from` (its own prefix,
 * whatever it is), skipping the prolog, comments and CDATA; undefined when there is none.
 */
function endOfRootElement(content: string, from: number): number | undefined {
  const prolog = /\s*(?:(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->)\s*)*<([\w.:-]+)/y
  prolog.lastIndex = from
  const name = prolog.exec(content)?.[1]
  if (!name) return undefined
  const escaped = name.replace(/\./g, '\\.')
  const tags = new RegExp(
    `<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|<(/?)${escaped}(?=[\\s/>])(?:[^>"']|"[^"]*"|'[^']*')*>`,
    'g',
  )
  tags.lastIndex = prolog.lastIndex - name.length - 1
  let depth = 0
  for (let tag = tags.exec(content); tag; tag = tags.exec(content)) {
    if (tag[1] === undefined) continue // a comment or CDATA section
    if (tag[1] === '/') depth--
    else if (!tag[0].endsWith('/>')) depth++
    if (depth === 0) return tag.index + tag[0].length
  }
  return undefined
}

/** Whether `declared` bytes from `start` hold the body up to `end`, give or take whitespace. */
function lengthAgrees(content: string, start: number, end: number, declared: string): boolean {
  if (!/^\d+$/.test(declared)) return false
  const extra = Number(declared) - Buffer.byteLength(content.slice(start, end))
  // The body ends at the root's close tag, so any shortfall cuts the envelope. Whitespace is one
  // byte a character, so a surplus (a counted line break) can be checked in characters.
  return extra >= 0 && end + extra <= content.length && content.slice(end, end + extra).trim() === ''
}

/** Without copying the rest of the file (a capture may hold many megabyte-sized requests). */
function skipWhitespace(content: string, from: number): number {
  const space = /\s*/y
  space.lastIndex = from
  space.exec(content)
  return space.lastIndex
}

function nextRequestLine(content: string, from: number): number {
  NEXT_REQUEST_LINE.lastIndex = from
  return NEXT_REQUEST_LINE.exec(content)?.index ?? content.length
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
