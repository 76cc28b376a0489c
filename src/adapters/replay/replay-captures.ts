import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Hono } from 'hono'
import type { PinnedClock } from '../system/clocks.ts'
import { parseXml, type XmlElement } from '../xml/xml-tree.ts'
import { parseCapture, tokenClaims } from './capture-file.ts'

export interface ReplayLine {
  readonly source: string
  readonly operation: string
  readonly contextId: string
  readonly successful: boolean
  readonly error: string
  readonly response: string
  /** What the capture reader had to guess about this request (e.g. a wrong Content-Length). */
  readonly warnings: readonly string[]
}

/**
 * Sends captured requests through the service in-process, with the clock pinned to each
 * request token's `nbf` + 1 s, so that recorded tokens verify as they did when sent.
 */
export async function replayCaptures(
  app: Hono,
  path: string,
  clock: PinnedClock,
  files: readonly string[],
  out?: string,
): Promise<ReplayLine[]> {
  const lines: ReplayLine[] = []
  if (out) mkdirSync(out, { recursive: true })
  for (const file of files) {
    const { requests, warnings } = parseCapture(readFileSync(file, 'utf8'))
    for (const [index, request] of requests.entries()) {
      const source = requests.length > 1 ? `${basename(file)}#${index + 1}` : basename(file)
      const claims = tokenClaims(request.body)
      clock.set(claims.nbf === undefined ? Date.now() : (claims.nbf + 1) * 1000)
      const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' }
      const action = request.headers.get('soapaction')
      if (action !== undefined) headers.soapaction = action
      const response = await app.request(path, { method: 'POST', headers, body: request.body })
      const xml = await response.text()
      const line = {
        source,
        contextId: claims.contextId ?? '-',
        response: xml,
        warnings: warnings.filter((w) => w.request === index).map((w) => w.message),
        ...summarise(xml, response.status),
      }
      lines.push(line)
      if (out) writeFileSync(join(out, `${source.replace(/\.xml$/i, '').replace('#', '-')}.response.xml`), xml)
    }
  }
  return lines
}

function summarise(xml: string, status: number): Pick<ReplayLine, 'operation' | 'successful' | 'error'> {
  let root: XmlElement
  try {
    root = parseXml(xml, { maxDepth: 32, maxElements: 1_000_000 })
  } catch {
    return { operation: '?', successful: false, error: `HTTP ${status}, unreadable response` }
  }
  const body = root.children.find((c) => c.name === 'Body')?.children[0]
  if (!body) return { operation: '?', successful: false, error: `HTTP ${status}, empty response` }
  if (body.name === 'Fault') {
    const reason = body.children.find((c) => c.name === 'faultstring')?.text ?? ''
    return { operation: 'Fault', successful: false, error: `HTTP ${status}: ${reason}` }
  }
  const field = (name: string) => body.children.find((c) => c.name === name)?.text ?? ''
  return {
    operation: body.name.replace(/Response$/, ''),
    successful: field('IsSuccessful') === 'true',
    error: field('ErrorMessage'),
  }
}
