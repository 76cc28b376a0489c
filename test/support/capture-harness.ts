import type { IdentifiedRequest } from '../../src/adapters/soap/soap-envelope.ts'
import { identifyRequest, isFault } from '../../src/adapters/soap/soap-envelope.ts'
import type { NamespaceScope } from '../../src/adapters/xml/xml-scanner.ts'
import {
  type ContentRoom,
  type SubtreeCapture,
  type SubtreeReader,
  type XmlLimits,
  type XmlRejected,
  XmlTreeBuilder,
} from '../../src/adapters/xml/xml-tree.ts'

/** The capture with its reader's `content` hidden: everything read the general way, tag by tag. */
export function scannerOnly(capture: SubtreeCapture): SubtreeCapture {
  const r = capture.reader
  const reader: SubtreeReader = {
    begin: () => r.begin(),
    open: (...a) => r.open(...a),
    text: (t) => r.text(t),
    textIn: (...a) => r.textIn(...a),
    close: (d) => r.close(d),
    leaf: (...a) => r.leaf(...a),
    end: () => r.end(),
  }
  return { ...capture, reader }
}

/** A request read, or its fault or refusal; `own`: the characters the capture's reader read itself. */
export type ReadOutcome<T> = Partial<T> & { fault?: string; refused?: string; own: number }

/**
 * A body written to the tree in pieces of `chunk` characters and read as a request by `read`, or
 * the fault or the refusal, with `own`: how many characters the capture's reader read itself.
 */
export function readThrough<T extends object>(
  xml: string,
  capture: SubtreeCapture,
  limits: XmlLimits,
  chunk: number,
  read: (request: IdentifiedRequest) => T,
): ReadOutcome<T> {
  let own = 0
  const r = capture.reader
  if (r.content) {
    const content = r.content.bind(r)
    r.content = (buffer, pos, ...rest) => {
      const end = content(buffer, pos, ...rest)
      own += end - pos
      return end
    }
  }
  try {
    const builder = new XmlTreeBuilder(limits, capture)
    for (let i = 0; i < xml.length; i += chunk) builder.write(xml.slice(i, i + chunk))
    const request = identifyRequest(builder.close(), undefined)
    if (isFault(request)) return { fault: request.message, own } as ReadOutcome<T>
    return { ...read(request), own }
  } catch (error) {
    return { refused: (error as XmlRejected).message, own } as ReadOutcome<T>
  }
}

/** The scope DataBatches and Tables give their content: `a` and `i` bound as the Mirroring Task binds them. */
export const TASK_SCOPE = {
  prefix: 'a',
  uri: 'http://schemas.datacontract.org/2004/07/SuperOffice.Online.Mirroring.Contract.V1',
  parent: { prefix: 'i', uri: 'http://www.w3.org/2001/XMLSchema-instance', parent: undefined },
} as unknown as NamespaceScope

/** The limits' room a capture's `content` is offered, elements costing 32 bytes each. */
export const contentRoom = (elements: number, bytes: number, depth: number): ContentRoom => ({
  elements,
  bytes,
  elementBytes: 32,
  depth,
})
