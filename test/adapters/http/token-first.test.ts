import { describe, expect, it } from 'vitest'
import { NS, soapActionOf } from '../../../src/adapters/soap/namespaces.ts'
import { RecordingAdmin } from '../../../src/testing/recording-admin.ts'
import { rowDataCall } from '../../support/envelopes.ts'
import { type TestService, testService } from '../../support/test-service.ts'
import { mintToken } from '../../support/tokens.ts'

const encoder = new TextEncoder()

/** The start of a RowData call: Header with the token, then the operation element opened. */
function prelude(token: string | undefined): string {
  const header = token === undefined ? '' : `<h:SignedToken xmlns:h="${NS.mirroring}">${token}</h:SignedToken>`
  return `<s:Envelope xmlns:s="${NS.soap}"><s:Header>${header}</s:Header><s:Body><RowDataRequest xmlns="${NS.mirroring}"><DataBatches xmlns:a="${NS.contract}">`
}

/** A body that sends `first` and then nothing more until `finish` is called (or never). */
function heldBody(first: string) {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let pulled = 0
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
      c.enqueue(encoder.encode(first))
    },
    pull() {
      pulled++
    },
  })
  return {
    stream,
    pulled: () => pulled,
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    finish: () => controller.close(),
  }
}

function post(service: TestService, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  return service.app.request('/MirroringClientService.svc', {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapActionOf('RowData')}"`, ...headers },
    body,
    duplex: 'half',
  } as RequestInit)
}

describe('the token is checked before the body is read', () => {
  it('refuses a call without a valid token as soon as its operation element opens, body unread', async () => {
    const admin = new RecordingAdmin()
    const service = await testService({ admin })
    for (const token of [undefined, 'not.a.token', await mintToken({ claims: { aud: 'spn:someone-else' } })]) {
      const body = heldBody(prelude(token))
      // The rest of the body never comes: only a refusal made from the header can answer.
      const response = await post(service, body.stream)
      expect(response.status).toBe(200)
      const xml = await response.text()
      expect(xml).toContain('<IsSuccessful>false</IsSuccessful>')
      expect(xml).toMatch(/SignedToken/)
      body.finish()
    }
    expect(admin.events.map((e) => [e.operation, e.type])).toEqual([
      ['RowData', 'Error'],
      ['RowData', 'Error'],
      ['RowData', 'Error'],
    ])
    expect(service.log.text()).toMatch(/"body":"unread"/)
  })

  it('reads on for a valid token, and a body that stops arriving gets 408 after the idle timeout', async () => {
    const service = await testService({ config: { idleTimeoutMs: 300 } })
    const body = heldBody(prelude(await mintToken()))
    const started = Date.now()
    const response = await post(service, body.stream)
    expect(response.status).toBe(408)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(await response.text()).toMatch(/did not arrive within the time allowed/)
  })

  it('answers 408 to a body that trickles in past the body timeout', async () => {
    const service = await testService({ config: { idleTimeoutMs: 1_000, bodyTimeoutMs: 600 } })
    const body = heldBody(prelude(await mintToken()))
    const drip = setInterval(() => body.send(' '), 50)
    try {
      const response = await post(service, body.stream)
      expect(response.status).toBe(408)
    } finally {
      clearInterval(drip)
    }
  })

  it('refuses with 413 a call with a valid token whose tree would need many times its size', async () => {
    const service = await testService()
    const flood = `${prelude(await mintToken())}<x>${'<e/>'.repeat(500_000)}</x></DataBatches></RowDataRequest></s:Body></s:Envelope>`
    const response = await post(service, flood)
    expect(response.status).toBe(413)
    expect(await response.text()).toMatch(/bytes of memory per byte read/)
    expect(service.log.text()).not.toMatch(/operation crashed/)
  })

  it('refuses a header that does not end within its limit', async () => {
    const service = await testService()
    const response = await post(service, `<s:Envelope xmlns:s="${NS.soap}"><s:Header><x>${'y'.repeat(100_000)}</x>`)
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/SOAP Header and what precedes the operation exceed 65536 bytes/)
  })
})

describe('the in-flight budget', () => {
  it('answers busy (503, Retry-After) when accepted calls hold the budget, and takes the call once room is back', async () => {
    const service = await testService({ config: { maxInflightBytes: 8_000, maxBodyBytes: 8_000 } })
    // A call with a valid token that holds its share of the budget while its body trickles.
    const holder = heldBody(`${prelude(await mintToken())}${' '.repeat(3_000)}`)
    const held = post(service, holder.stream)
    await new Promise((r) => setTimeout(r, 50))

    const call = await rowDataCall(
      [
        {
          table: { name: 'person', columns: [{ name: 'id', type: 'int', isNullable: 'false', defaultValue: '' }] },
          lsn: '5',
          rows: [{ operation: 'I', values: ['[I:1]'] }],
        },
      ],
      await mintToken(),
    )
    // 5,500 bytes: more than the 5,000 left beside the holder's 3,000, within the 8,000 limit.
    const padded = call.body + ' '.repeat(5_500 - call.body.length)
    const busy = await post(service, padded, { 'content-length': String(Buffer.byteLength(padded)) })
    expect(busy.status).toBe(503)
    expect(busy.headers.get('retry-after')).toBe('1')
    expect(await busy.text()).toMatch(/the service is busy/)

    holder.finish()
    await (await held).text()
    const again = await post(service, padded, { 'content-length': String(Buffer.byteLength(padded)) })
    expect(again.status).toBe(200)
  })
})
