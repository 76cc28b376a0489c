import type { CallOutcome } from '../../application/task/ports/mirroring-client.port.ts'
import type { AuthenticateReply, OperationName, WireTableLsn } from '../../domain/protocol/messages.ts'
import { child, childrenNamed, parseXml, type XmlElement } from '../xml/xml-tree.ts'
import { NS } from './namespaces.ts'

/** A reply that is neither an operation response nor a SOAP Fault; the message quotes no content. */
export class ResponseUnreadable extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ResponseUnreadable'
  }
}

/** The response body of an operation, or the faultstring of a SOAP Fault. */
export type ResponseBody = { readonly body: XmlElement } | { readonly fault: string }

/**
 * Reads a partner's reply envelope with the same hardened parser the service uses for requests
 * (no DTD, bounded depth and element count). A TableSchema reply lists one element per table,
 * so the element limit grows with the tables asked about.
 */
export function readResponseEnvelope(text: string, operation: OperationName, maxElements = 100_000): ResponseBody {
  let root: XmlElement
  try {
    root = parseXml(text, { maxDepth: 32, maxElements })
  } catch (error) {
    throw new ResponseUnreadable(`${operation} reply is not readable XML: ${(error as Error).message}`)
  }
  if (root.name !== 'Envelope' || root.ns !== NS.soap)
    throw new ResponseUnreadable(`${operation} reply is not a SOAP 1.1 envelope`)
  const body = child(root, NS.soap, 'Body')?.children[0]
  if (!body) throw new ResponseUnreadable(`${operation} reply has an empty SOAP body`)
  if (body.name === 'Fault' && body.ns === NS.soap) {
    const text = body.children.find((c) => c.name === 'faultstring')?.text.trim()
    return { fault: text || 'SOAP Fault without a faultstring' }
  }
  if (body.ns !== NS.mirroring || body.name !== `${operation}Response`) {
    throw new ResponseUnreadable(`${operation} reply holds ${body.name.slice(0, 60)}, not ${operation}Response`)
  }
  return { body }
}

function text(body: XmlElement, name: string): string {
  return child(body, NS.mirroring, name)?.text.trim() ?? ''
}

/** IsSuccessful and ErrorMessage, which every response starts with. */
function status(body: XmlElement, operation: OperationName): CallOutcome<void> {
  const successful = text(body, 'IsSuccessful')
  if (successful === 'true') return { ok: true, value: undefined }
  if (successful === 'false') return { ok: false, error: text(body, 'ErrorMessage') || '(no ErrorMessage)' }
  throw new ResponseUnreadable(`${operation} reply has no IsSuccessful true or false`)
}

export function readAuthenticateResponse(body: XmlElement): CallOutcome<AuthenticateReply> {
  const outcome = status(body, 'Authenticate')
  if (!outcome.ok) return outcome
  return {
    ok: true,
    value: {
      signedApplicationToken: text(body, 'SignedApplicationToken'),
      supportedInterfaces: text(body, 'SupportedInterfaces'),
      build: text(body, 'SuperOfficeMirroringBuild'),
      clientState: text(body, 'ClientState'),
      additionalInformationJson: text(body, 'AdditionalInformationJson'),
    },
  }
}

export function readTableSchemaResponse(body: XmlElement): CallOutcome<readonly WireTableLsn[]> {
  const outcome = status(body, 'TableSchema')
  if (!outcome.ok) return outcome
  const list = child(body, NS.mirroring, 'MirrorLSN')
  const lsns = childrenNamed(list ?? body, NS.contract, 'TableLSN').map((item) => {
    const table = child(item, NS.contract, 'TableName')?.text.trim() ?? ''
    const lsn = (child(item, NS.contract, 'LSN')?.text ?? '').trim()
    if (table === '' || !/^-?\d{1,19}$/.test(lsn)) {
      throw new ResponseUnreadable('TableSchema reply has a TableLSN without a table name or a whole-number LSN')
    }
    return { table, lsn: Number(lsn) }
  })
  return { ok: true, value: lsns }
}

/** RowData, Wipe and ReplicationCompleted answer only their status. */
export function readStatusResponse(body: XmlElement, operation: OperationName): CallOutcome<void> {
  return status(body, operation)
}
