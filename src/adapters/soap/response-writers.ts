import type { AuthenticateReply, OperationName, TableSchemaReply } from '../../domain/protocol/messages.ts'
import { NS } from './namespaces.ts'
import { element } from './xml-text.ts'

/**
 * Replies in exactly the WSDL's element order and namespaces (protocol.md §3.1): WCF's reader
 * is order-sensitive and takes a misplaced element as missing. Body-only SOAP 1.1 envelopes,
 * empty strings as empty elements, as the reference writes them.
 */
function envelope(operation: OperationName, inner: string): string {
  return `<s:Envelope xmlns:s="${NS.soap}"><s:Body><${operation}Response xmlns="${NS.mirroring}">${inner}</${operation}Response></s:Body></s:Envelope>`
}

function status(error: string | undefined): string {
  return `${element('IsSuccessful', error === undefined ? 'true' : 'false')}${element('ErrorMessage', error ?? '')}`
}

export function writeAuthenticateResponse(reply: AuthenticateReply | undefined, error?: string): string {
  return envelope(
    'Authenticate',
    status(error) +
      element('SignedApplicationToken', reply?.signedApplicationToken ?? '') +
      element('SupportedInterfaces', reply?.supportedInterfaces ?? '') +
      element('SuperOfficeMirroringBuild', reply?.build ?? '') +
      element('ClientState', reply?.clientState ?? '') +
      element('AdditionalInformationJson', reply?.additionalInformationJson ?? ''),
  )
}

export function writeTableSchemaResponse(reply: TableSchemaReply | undefined, error?: string): string {
  const open = `<MirrorLSN xmlns:a="${NS.contract}" xmlns:i="${NS.xsi}"`
  const items = (reply?.lsns ?? [])
    .map((l) => `<a:TableLSN><a:LSN>${l.lsn}</a:LSN>${element('a:TableName', l.table)}</a:TableLSN>`)
    .join('')
  return envelope('TableSchema', status(error) + (items === '' ? `${open}/>` : `${open}>${items}</MirrorLSN>`))
}

/** RowData, Wipe and ReplicationCompleted answer only IsSuccessful and ErrorMessage. */
export function writeStatusResponse(operation: 'RowData' | 'Wipe' | 'ReplicationCompleted', error?: string): string {
  return envelope(operation, status(error))
}
