import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Hono } from 'hono'
import { describeError } from '../../application/describe-error.ts'
import type { CallEvent } from '../http/call-summary.ts'
import type { PinnedClock } from '../system/clocks.ts'
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

/** The service a replay runs through, in-process. */
export interface ReplayService {
  readonly app: Hono
  /** The SOAP endpoint's path. */
  readonly path: string
  readonly clock: PinnedClock
  /** The summary of the call answered since it was last asked, if any; the service's call observer leaves it. */
  readonly answered: () => CallEvent | undefined
}

/**
 * Sends captured requests through the service in-process, with the clock pinned to each
 * request token's `nbf` + 1 s, so that recorded tokens verify as they did when sent. Each line
 * says what the service made of the call, as its call observer was told.
 */
export async function replayCaptures(
  service: ReplayService,
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
      service.clock.set(claims.nbf === undefined ? Date.now() : (claims.nbf + 1) * 1000)
      const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' }
      const action = request.headers.get('soapaction')
      if (action !== undefined) headers.soapaction = action
      const response = await service.app.request(service.path, { method: 'POST', headers, body: request.body })
      const xml = await response.text()
      const line = {
        source,
        contextId: claims.contextId ?? '-',
        response: xml,
        warnings: warnings.filter((w) => w.request === index).map((w) => w.message),
        ...verdict(service.answered(), response.status),
      }
      lines.push(line)
      if (out) writeFileSync(join(out, `${source.replace(/\.xml$/i, '').replace('#', '-')}.response.xml`), xml)
    }
  }
  return lines
}

function verdict(call: CallEvent | undefined, status: number): Pick<ReplayLine, 'operation' | 'successful' | 'error'> {
  if (call === undefined) return { operation: '?', successful: false, error: `HTTP ${status}, no call was answered` }
  switch (call.outcome) {
    case 'fault':
      return { operation: 'Fault', successful: false, error: `HTTP ${status}: ${call.message}` }
    case 'failed':
      return { operation: call.operation, successful: false, error: describeError(call.error) }
    case 'ok':
      return { operation: call.operation, successful: true, error: '' }
  }
}
