import { OPERATION_NAMES, type OperationName } from '../../domain/protocol/messages.ts'
import { child, type XmlElement } from '../xml/xml-tree.ts'
import { NS, operationOfAction } from './namespaces.ts'
import { fault, type SoapFault } from './soap-fault.ts'

/** An envelope whose operation is known: from here on, failures are `IsSuccessful=false`. */
export interface IdentifiedRequest {
  readonly operation: OperationName
  /** The operation element, e.g. `<TableSchemaRequest>`. */
  readonly body: XmlElement
  readonly signedToken: string | undefined
}

const MUST_UNDERSTAND = `{${NS.soap}}mustUnderstand`

/**
 * Identifies the operation of a SOAP 1.1 envelope from the SOAPAction header and the body's
 * root element (wire-profile §1); either alone is enough, and when both are given they must
 * agree. Headers marked mustUnderstand other than SignedToken are refused, per SOAP 1.1.
 */
export function identifyRequest(root: XmlElement, soapAction: string | undefined): IdentifiedRequest | SoapFault {
  if (root.name === 'Envelope' && root.ns === NS.soap12) {
    return fault(500, 'SOAP 1.2 envelopes are not supported; use SOAP 1.1', 'VersionMismatch')
  }
  if (root.name !== 'Envelope' || root.ns !== NS.soap) return fault(400, 'request is not a SOAP 1.1 envelope')

  const header = child(root, NS.soap, 'Header')
  let signedToken: string | undefined
  for (const entry of header?.children ?? []) {
    if (entry.ns === NS.mirroring && entry.name === 'SignedToken') signedToken = entry.text
    else if (['1', 'true'].includes(entry.attributes?.get(MUST_UNDERSTAND)?.trim() ?? '')) {
      return fault(500, `header ${entry.name} is not understood`, 'MustUnderstand')
    }
  }

  const bodyElement = child(root, NS.soap, 'Body')
  const operationElement = bodyElement?.children[0]
  if (!operationElement) return fault(400, 'SOAP body is empty')

  const fromBody = operationElement.ns === NS.mirroring ? operationOfElement(operationElement.name) : undefined
  const fromAction = operationOfAction(soapAction, OPERATION_NAMES)
  if (fromAction === 'unknown') return fault(500, 'SOAPAction names no operation of IMirroringClientService')
  if (!fromBody)
    return fault(500, `body element ${operationElement.name.slice(0, 60)} is no operation of IMirroringClientService`)
  if (fromAction !== 'none' && fromAction !== fromBody) {
    return fault(500, `SOAPAction ${fromAction} does not match body element ${operationElement.name}`)
  }
  return { operation: fromBody, body: operationElement, signedToken }
}

function operationOfElement(name: string): OperationName | undefined {
  return OPERATION_NAMES.find((o) => `${o}Request` === name)
}

export function isFault<T extends object>(value: T | SoapFault): value is SoapFault {
  return 'status' in value && 'code' in value
}
