import { type XmlElement, type XmlLimits, XmlRejected, XmlTreeBuilder } from '../xml/xml-tree.ts'
import { rowDataCapture } from './soap/row-data-capture.ts'
import { fault, type SoapFault } from './soap/soap-fault.ts'

export interface BodyLimits extends XmlLimits {
  readonly maxBodyBytes: number
}

/**
 * Streams a request body into the XML parser chunk by chunk: the body is never held whole,
 * its size is counted as it arrives (a lying or absent Content-Length changes nothing), and
 * invalid UTF-8 is refused rather than replaced.
 */
export async function readEnvelope(request: Request, limits: BodyLimits): Promise<XmlElement | SoapFault> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > limits.maxBodyBytes) return tooLarge(limits)
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase()
  if (encoding && encoding !== 'identity')
    return fault(415, `Content-Encoding ${encoding.slice(0, 20)} is not supported`)
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(request.headers.get('content-type') ?? '')?.[1]?.toLowerCase()
  if (charset && charset !== 'utf-8' && charset !== 'utf8')
    return fault(415, `charset ${charset.slice(0, 20)} is not supported; use utf-8`)
  if (!request.body) return fault(400, 'request has no body')

  const reader = request.body.getReader()
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const builder = new XmlTreeBuilder(limits, rowDataCapture())
  let received = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received += value.byteLength
      if (received > limits.maxBodyBytes) return tooLarge(limits)
      builder.write(decoder.decode(value, { stream: true }))
    }
    builder.write(decoder.decode())
    return builder.close()
  } catch (error) {
    if (error instanceof XmlRejected) return fault(400, error.message)
    if (error instanceof TypeError) return fault(400, 'request body is not valid UTF-8')
    throw error
  } finally {
    discardRest(reader, limits.maxBodyBytes)
  }
}

/**
 * Reads and drops, in the background, what a refused request still has to send: a connection
 * closed with request bytes unread is reset, and the client loses the Fault with it. At most
 * `limit` more bytes are read; a client that sends more gets its body cancelled.
 */
function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): void {
  void (async () => {
    let discarded = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      discarded += value.byteLength
      if (discarded > limit) break
    }
    await reader.cancel()
  })().catch(() => undefined)
}

function tooLarge(limits: BodyLimits): SoapFault {
  return fault(413, `request body is larger than ${limits.maxBodyBytes} bytes`)
}
