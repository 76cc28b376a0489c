import { NS } from '../soap/namespaces.ts'
import { rowDataCapture } from '../soap/row-data-capture.ts'
import { busy, fault, type SoapFault } from '../soap/soap-fault.ts'
import { tableSchemaCapture } from '../soap/table-schema-capture.ts'
import { child, type XmlElement, type XmlLimits, XmlRejected, XmlTreeBuilder } from '../xml/xml-tree.ts'
import type { BudgetLease } from './inflight-budget.ts'
import { type BodyChunk, type RequestBody, webBody } from './request-body.ts'
import { Utf8Pieces } from './utf8-pieces.ts'

export interface BodyLimits extends XmlLimits {
  readonly maxBodyBytes: number
  /** Envelope bytes read before the operation element opens: the SOAP Header with its token. */
  readonly maxHeaderBytes: number
  /** Longest the whole body may take to arrive. */
  readonly bodyTimeoutMs: number
  /** Longest pause between two pieces of the body. */
  readonly idleTimeoutMs: number
}

/**
 * Looks at the envelope as soon as its operation is known (the Header is read and the Body's
 * first element has opened, or the root is no SOAP 1.1 envelope): undefined reads on, anything
 * else stops reading and is returned as the verdict.
 */
export type Screen<S> = (partial: XmlElement) => Promise<S | undefined>

export type EnvelopeRead<S> =
  /** `parseMs`: the time spent decoding and parsing the body's pieces, not waiting for them. */
  | { readonly kind: 'envelope'; readonly root: XmlElement; readonly parseMs: number }
  | { readonly kind: 'fault'; readonly fault: SoapFault }
  | { readonly kind: 'stopped'; readonly verdict: S }

/** Until the screen has run, the body is parsed in slices this size, so it runs early. */
const PRELUDE_SLICE = 16 * 1024

/**
 * Streams a request body into the XML parser chunk by chunk: the body is never held whole, its
 * size is counted as it arrives (a lying or absent Content-Length changes nothing), and invalid
 * UTF-8 is refused rather than replaced. Nothing past the SOAP Header is parsed before the
 * screen has accepted the call, so a request without a valid token costs its header, not its
 * body; an accepted call then takes its body's bytes from the process's budget.
 */
export async function readEnvelope<S>(
  request: Request,
  limits: BodyLimits,
  screen: Screen<S>,
  lease: BudgetLease,
  /** The body as the server gives it (request-body.ts); default: the Request's own stream. */
  body?: RequestBody,
): Promise<EnvelopeRead<S>> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > limits.maxBodyBytes) return { kind: 'fault', fault: tooLarge(limits) }
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase()
  if (encoding && encoding !== 'identity')
    return refuse(415, `Content-Encoding ${encoding.slice(0, 20)} is not supported`)
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(request.headers.get('content-type') ?? '')?.[1]?.toLowerCase()
  if (charset && charset !== 'utf-8' && charset !== 'utf8')
    return refuse(415, `charset ${charset.slice(0, 20)} is not supported; use utf-8`)
  // The Request's stream is not touched when the server gives the body: making it would start reading.
  if (!body && !request.body) return refuse(400, 'request has no body')

  const reader = body ?? webBody(request.body!)
  const pieces = new Utf8Pieces()
  const builder = new XmlTreeBuilder(limits, [rowDataCapture(), tableSchemaCapture()])
  const deadline = Date.now() + limits.bodyTimeoutMs
  const known = Number.isSafeInteger(declared) && declared >= 0
  let received = 0
  let screened = false
  let timedOut = false
  let parseMs = 0
  const parse = (bytes?: Uint8Array) => {
    const started = performance.now()
    if (bytes) {
      const unread = builder.unread
      builder.writeOn(pieces.decode(unread, bytes), unread.length)
    } else builder.write(pieces.finish())
    parseMs += performance.now() - started
  }
  try {
    for (;;) {
      const next = await readChunk(reader, deadline, limits.idleTimeoutMs)
      if (next === 'timeout') {
        timedOut = true
        return refuse(408, `the request body did not arrive within the time allowed`)
      }
      if (next.done) break
      const chunk = next.value
      received += chunk.byteLength
      if (received > limits.maxBodyBytes) return { kind: 'fault', fault: tooLarge(limits) }
      if (screened) {
        if (!known && !(await lease.grow(chunk.byteLength))) return { kind: 'fault', fault: busy() }
        parse(chunk)
        continue
      }
      const before = received - chunk.byteLength
      for (let at = 0; at < chunk.byteLength; at += PRELUDE_SLICE) {
        const slice = chunk.subarray(at, at + PRELUDE_SLICE)
        parse(slice)
        if (screened) continue
        if (operationKnown(builder.root)) {
          const verdict = await screen(builder.root!)
          if (verdict !== undefined) return { kind: 'stopped', verdict }
          screened = true
          if (!(await lease.grow(known ? declared : received))) return { kind: 'fault', fault: busy() }
        } else if (before + at + slice.byteLength > limits.maxHeaderBytes) {
          return refuse(400, `the SOAP Header and what precedes the operation exceed ${limits.maxHeaderBytes} bytes`)
        }
      }
    }
    parse()
    const started = performance.now()
    const root = builder.close()
    parseMs += performance.now() - started
    if (!screened && operationKnown(root)) {
      const verdict = await screen(root)
      if (verdict !== undefined) return { kind: 'stopped', verdict }
    }
    return { kind: 'envelope', root, parseMs }
  } catch (error) {
    if (error instanceof XmlRejected) return refuse(error.reason === 'too-dense' ? 413 : 400, error.message)
    if (error instanceof TypeError) return refuse(400, 'request body is not valid UTF-8')
    // The client went away or the stream broke: nobody is left to answer but the log.
    return refuse(400, 'the request body could not be read')
  } finally {
    if (timedOut) reader.cancel().catch(() => undefined)
    else discardRest(reader, limits, deadline)
  }
}

/** The Body's first element has opened, or the root is no SOAP 1.1 envelope at all. */
function operationKnown(root: XmlElement | undefined): boolean {
  if (!root) return false
  if (root.ns !== NS.soap || root.name !== 'Envelope') return true
  return (child(root, NS.soap, 'Body')?.children.length ?? 0) > 0
}

async function readChunk(reader: RequestBody, deadline: number, idleMs: number): Promise<BodyChunk | 'timeout'> {
  const wait = Math.min(idleMs, deadline - Date.now())
  if (wait <= 0) return 'timeout'
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), wait)
  })
  try {
    return await Promise.race([reader.read(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Reads and drops, in the background, what a refused request still has to send: a connection
 * closed with request bytes unread is reset, and the client loses the Fault with it. At most
 * the body limit is read, within the body's time limits; then the body is cancelled.
 */
function discardRest(reader: RequestBody, limits: BodyLimits, deadline: number): void {
  void (async () => {
    let discarded = 0
    for (;;) {
      const next = await readChunk(reader, deadline, limits.idleTimeoutMs)
      if (next === 'timeout') break
      if (next.done) return
      discarded += next.value.byteLength
      if (discarded > limits.maxBodyBytes) break
    }
    await reader.cancel()
  })().catch(() => undefined)
}

function refuse(status: SoapFault['status'], message: string): EnvelopeRead<never> {
  return { kind: 'fault', fault: fault(status, message) }
}

function tooLarge(limits: BodyLimits): SoapFault {
  return fault(413, `request body is larger than ${limits.maxBodyBytes} bytes`)
}
