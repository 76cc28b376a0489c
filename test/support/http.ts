import type { Hono } from 'hono'
import { parseXml, type XmlElement } from '../../src/adapters/xml/xml-tree.ts'
import type { Call } from './envelopes.ts'

export interface SoapReply {
  readonly status: number
  readonly xml: string
  readonly body: XmlElement
  readonly field: (name: string) => string | undefined
  readonly successful: boolean
  readonly error: string
}

/** Posts a call to the app in-process and reads the reply's operation element. */
export async function post(app: Hono, call: Call, path = '/MirroringClientService.svc'): Promise<SoapReply> {
  const response = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
    body: call.body,
  })
  return readReply(response.status, await response.text())
}

export function readReply(status: number, xml: string): SoapReply {
  const root = parseXml(xml, { maxDepth: 32, maxElements: 1_000_000 })
  const body = root.children.find((c) => c.name === 'Body')!.children[0]!
  const field = (name: string) => body.children.find((c) => c.name === name)?.text
  return {
    status,
    xml,
    body,
    field,
    successful: field('IsSuccessful') === 'true',
    error: field('ErrorMessage') ?? field('faultstring') ?? '',
  }
}
