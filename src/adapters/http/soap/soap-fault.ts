import { NS } from './namespaces.ts'
import { escapeXml } from './xml-text.ts'

export type FaultCode = 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand'

/** A request the service could not take as any operation (wire-profile §1). */
export interface SoapFault {
  readonly code: FaultCode
  /** HTTP status: 500 per SOAP 1.1, 400 or 413 when the envelope itself cannot be read. */
  readonly status: 400 | 413 | 415 | 500
  /** Short and free of request content. */
  readonly message: string
}

export function fault(status: SoapFault['status'], message: string, code: FaultCode = 'Client'): SoapFault {
  return { code, status, message }
}

export function writeFault(f: SoapFault): string {
  return `<s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault><faultcode>s:${f.code}</faultcode><faultstring xml:lang="en-US">${escapeXml(f.message)}</faultstring></s:Fault></s:Body></s:Envelope>`
}
