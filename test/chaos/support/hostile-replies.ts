import { NS } from '../../../src/adapters/soap/namespaces.ts'
import { parseXml, type XmlElement } from '../../../src/adapters/xml/xml-tree.ts'
import type { HostileRequest } from './hostile-plans.ts'

export interface Judged {
  readonly verdict: 'fault' | 'refused'
  readonly status: number
  readonly message: string
}

/** Longest ErrorMessage or faultstring accepted: a reply must describe, never echo a 10 KB input. */
export const MAX_MESSAGE = 2_000
const MAX_REPLY = 4_000
const FAULT_STATUSES = [400, 413, 415, 500]

/**
 * Classifies a reply to a hostile request: a SOAP 1.1 Fault (400/413/415/500), or HTTP 200 with
 * the operation's response, IsSuccessful=false and a one-line ErrorMessage. Anything else —
 * a success, another status, a reply that is not SOAP, a stack trace, an echoed token, a
 * crashed handler — throws, naming the request.
 */
export function judgeReply(request: HostileRequest, reply: { status: number; text: string }): Judged {
  const fail = (why: string): never => {
    throw new Error(
      `${request.kind}/${request.variant} (${request.op ?? 'no operation'}): ${why}; HTTP ${reply.status}: ${reply.text.slice(0, 600)}`,
    )
  }
  if (reply.text.length > MAX_REPLY) fail(`reply of ${reply.text.length} characters`)
  let root: XmlElement
  try {
    root = parseXml(reply.text, { maxDepth: 16, maxElements: 1_000 })
  } catch {
    return fail('reply is not XML')
  }
  const body =
    root.ns === NS.soap && root.name === 'Envelope' ? root.children.find((c) => c.name === 'Body') : undefined
  const answer = body?.children[0]
  if (!answer) return fail('reply is not a SOAP 1.1 envelope with a body')
  const field = (name: string) => answer.children.find((c) => c.name === name)?.text

  let judged: Judged
  if (answer.ns === NS.soap && answer.name === 'Fault') {
    if (!FAULT_STATUSES.includes(reply.status)) fail('a Fault with an unexpected status')
    if (!/^s:(Client|Server|VersionMismatch|MustUnderstand)$/.test(field('faultcode') ?? ''))
      fail('a Fault without a faultcode')
    judged = { verdict: 'fault', status: reply.status, message: field('faultstring') ?? '' }
  } else if (answer.ns === NS.mirroring && answer.name.endsWith('Response')) {
    if (reply.status !== 200) fail('an operation response with a status other than 200')
    const successful = field('IsSuccessful')
    if (successful === 'true') fail('THE HOSTILE REQUEST SUCCEEDED')
    if (successful !== 'false') fail('no IsSuccessful=false')
    if (field('SignedApplicationToken')) fail('a refused Authenticate carries a SignedApplicationToken')
    if (request.op && request.expect !== 'either' && answer.name !== `${request.op}Response`) {
      fail(`answered as ${answer.name}`)
    }
    judged = { verdict: 'refused', status: reply.status, message: field('ErrorMessage') ?? '' }
  } else {
    return fail(`unexpected reply element ${answer.name}`)
  }

  const { message } = judged
  if (message.trim() === '') fail('an empty message')
  if (/[\r\n]/.test(message)) fail('a message of more than one line')
  if (message.length >= MAX_MESSAGE) fail(`a message of ${message.length} characters`)
  if (/internal error/i.test(message)) fail('the service failed inside (internal error)')
  if (/\bat \S+ \(|\.ts:\d+|node:internal/.test(message)) fail('a stack trace or raw error in the message')
  for (const secret of request.secrets) if (reply.text.includes(secret)) fail('the reply echoes the token')
  if (request.expect !== 'either' && judged.verdict !== request.expect) fail(`expected ${request.expect}`)
  if (request.status !== undefined && reply.status !== request.status) fail(`expected HTTP ${request.status}`)
  if (request.reason && !request.reason.test(message)) fail(`expected a message matching ${request.reason}`)
  return judged
}
