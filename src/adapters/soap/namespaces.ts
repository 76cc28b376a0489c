import type { OperationName } from '../../domain/protocol/messages.ts'

/** Namespaces of the protocol (protocol.md §2). */
export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  mirroring: 'http://www.superoffice.com/online/mirroring/0.1',
  contract: 'http://schemas.datacontract.org/2004/07/SuperOffice.Online.Mirroring.Contract.V1',
  arrays: 'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const

export const ACTION_PREFIX = `${NS.mirroring}/IMirroringClientService/`

export function soapActionOf(operation: OperationName): string {
  return `${ACTION_PREFIX}${operation}`
}

/** The operation a SOAPAction names; the header's quotes and blanks are ignored. */
export function operationOfAction(
  header: string | undefined,
  operations: readonly OperationName[],
): OperationName | 'none' | 'unknown' {
  const action = (header ?? '')
    .trim()
    .replace(/^"(.*)"$/s, '$1')
    .trim()
  if (action === '') return 'none'
  const name = action.startsWith(ACTION_PREFIX) ? action.slice(ACTION_PREFIX.length) : ''
  return operations.find((o) => o === name) ?? 'unknown'
}
