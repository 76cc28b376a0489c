import { NS } from './namespaces.ts'
import { escapeXml } from './xml-text.ts'

export type FaultCode = 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand'

/** A request the service could not take as any operation (wire-profile §1). */
export interface SoapFault {
  readonly code: FaultCode
  /**
   * HTTP status: 4xx for a request that cannot be taken as sent (unreadable, too large, too
   * slow), 500 for a SOAP processing fault per SOAP 1.1, 503 while the service is busy.
   */
  readonly status: 400 | 408 | 413 | 415 | 500 | 503
  /** Short and free of request content. */
  readonly message: string
  /** Seconds after which a busy service expects a retry (`Retry-After`). */
  readonly retryAfterSeconds?: number
}

/** Seconds a refused-as-busy caller is asked to wait: about one call's time. */
export const BUSY_RETRY_SECONDS = 1

export function fault(status: SoapFault['status'], message: string, code: FaultCode = 'Client'): SoapFault {
  return { code, status, message }
}

/** The service holds as many request bytes as its budget allows; the call may be retried as is. */
export function busy(): SoapFault {
  return {
    code: 'Server',
    status: 503,
    message: `the service is busy; retry in ${BUSY_RETRY_SECONDS} s`,
    retryAfterSeconds: BUSY_RETRY_SECONDS,
  }
}

export function writeFault(f: SoapFault): string {
  return `<s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault><faultcode>s:${f.code}</faultcode><faultstring xml:lang="en-US">${escapeXml(f.message)}</faultstring></s:Fault></s:Body></s:Envelope>`
}
