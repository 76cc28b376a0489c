import { createHmac, verify } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { InMemoryMirrorDatabases } from '../../../src/adapters/memory/in-memory-mirror-database.ts'
import { NS } from '../../../src/adapters/soap/namespaces.ts'
import { parseXml } from '../../../src/adapters/xml/xml-tree.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import {
  authenticateCall,
  batch,
  completedCall,
  peopleTable,
  rowDataCall,
  tableSchemaCall,
  wipeCall,
} from '../../support/envelopes.ts'
import { readSample } from '../../support/fixtures.ts'
import { post } from '../../support/http.ts'
import { federatedPublicPem, testKeys } from '../../support/test-keys.ts'
import { type TestService, testService } from '../../support/test-service.ts'
import { CTX_CLAIM, forgeToken, mintToken, newNonce, TEST_CLIENT_ID } from '../../support/tokens.ts'

const childNames = (xml: string) => {
  const root = parseXml(xml, { maxDepth: 32, maxElements: 100_000 })
  return root.children.find((c) => c.name === 'Body')!.children[0]!.children.map((c) => c.name)
}

describe('SOAP endpoint', () => {
  let service: TestService
  let mirrors: InMemoryMirrorDatabases
  beforeEach(async () => {
    mirrors = new InMemoryMirrorDatabases()
    service = await testService({ mirrors })
  })

  const tablesOf = async (ctx = 'Cust12345') =>
    mirrors.has(ctx) ? [...(await (await mirrors.forTenant(ctx as ContextId)).readState()).tables.keys()] : []

  it('answers Authenticate in the sample reply element order, signed with the partner key', async () => {
    const nonce = newNonce()
    const reply = await post(service.app, await authenticateCall({ claims: { nonce } }))
    expect(reply.status).toBe(200)
    expect(childNames(reply.xml)).toEqual(childNames(readSample('SampleAuthenticateResponse.xml')))
    const token = reply.field('SignedApplicationToken')!
    const [n, stamp, signature] = token.split('.')
    expect(n).toBe(nonce)
    expect(stamp).toMatch(/^\d{12}$/)
    const ok = verify(
      'sha256',
      Buffer.from(`${n}.${stamp}`),
      testKeys().partnerPublic,
      Buffer.from(signature!, 'base64'),
    )
    expect(ok).toBe(true)
    expect(reply.field('SupportedInterfaces')).toBe('1')
    expect(reply.field('SuperOfficeMirroringBuild')).toMatch(/^tenant-mirror\//)
  })

  it('answers each operation with the exact element order of the reference replies', async () => {
    const schema = await post(service.app, await tableSchemaCall([peopleTable()]))
    expect(childNames(schema.xml)).toEqual(childNames(readSample('TableSchemaResponse.xml')))
    expect(schema.xml).toContain('<a:TableLSN><a:LSN>-1</a:LSN><a:TableName>person</a:TableName></a:TableLSN>')
    const compact = (name: string) =>
      readSample(name)
        .replace(/>\s+</g, '><')
        .replace(/\s+xmlns/g, ' xmlns')
        .trim()
    const rows = await post(service.app, await rowDataCall([batch(peopleTable(), 5, [['[I:1]', 'Ann', null]])]))
    expect(rows.xml).toBe(compact('SampleRowDataResponse.xml'))
    const wipe = await post(service.app, await wipeCall('person'))
    expect(wipe.xml).toBe(compact('SampleWipeResponse.xml'))
    const done = await post(service.app, await completedCall([]))
    expect(done.xml).toBe(compact('ReplicationCompletedResponse.xml'))
  })

  it('dispatches on the root element when SOAPAction is absent', async () => {
    const call = await authenticateCall()
    const response = await service.app.request('/', {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: call.body,
    })
    expect(await response.text()).toContain('<IsSuccessful>true</IsSuccessful>')
  })

  describe('refuses a bad token with IsSuccessful=false, a reason, and no write', () => {
    const now = () => Date.now()
    const hs256WithPublicKey = async () => {
      const claims = {
        sub: 'Cust12345',
        [CTX_CLAIM]: 'Cust12345',
        nonce: newNonce(),
        nbf: Math.floor(now() / 1000) - 60,
        exp: Math.floor(now() / 1000) + 300,
        iss: 'SuperOffice AS',
        aud: `spn:${TEST_CLIENT_ID}`,
      }
      const unsigned = forgeToken({ alg: 'HS256', typ: 'JWT' }, claims, '')
      const mac = createHmac('sha256', await federatedPublicPem())
        .update(unsigned.slice(0, -1))
        .digest('base64url')
      return `${unsigned}${mac}`
    }
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['expired', () => mintToken({ claims: { exp: Math.floor(now() / 1000) - 120 } }), /expired/],
      ['not yet valid', () => mintToken({ claims: { nbf: Math.floor(now() / 1000) + 120 } }), /not valid before/],
      ['for another audience', () => mintToken({ claims: { aud: 'spn:someone-else' } }), /audience/],
      ['from another issuer', () => mintToken({ claims: { iss: 'Evil Corp' } }), /issuer/],
      [
        'with alg none',
        async () =>
          forgeToken({ alg: 'none', typ: 'JWT' }, { sub: 'Cust12345', nonce: 'N', iss: 'SuperOffice AS' }, ''),
        /algorithm 'none'/,
      ],
      ['HS256 keyed with the public key', hs256WithPublicKey, /algorithm 'HS256'/],
      [
        'with a bad signature',
        async () => {
          const token = await mintToken()
          const [h, p] = token.split('.')
          const other = await mintToken({ contextId: 'Cust99999' })
          return `${h}.${p}.${other.split('.')[2]}`
        },
        /signature/,
      ],
      ['without any context id claim', () => mintToken({ omit: [CTX_CLAIM, 'sub'] }), /context id/],
      [
        'with illegal characters in ctx',
        () => mintToken({ contextId: "Cust1'; DROP DATABASE x;--" }),
        /characters outside/,
      ],
      ['without a nonce', () => mintToken({ omit: ['nonce'] }), /nonce/],
      ['that is not a JWT', async () => 'not.a.jwt', /not a valid JWT/],
      ['that is empty', async () => '', /missing/],
    ]

    it.each(cases)('%s', async (_, makeToken, reason) => {
      const token = await makeToken()
      for (const call of [await tableSchemaCall([peopleTable()], token), await authenticateCall(token)]) {
        const reply = await post(service.app, call)
        expect(reply.status).toBe(200)
        expect(reply.successful).toBe(false)
        expect(reply.error).toMatch(reason)
        expect(reply.field('SignedApplicationToken') ?? '').toBe('')
      }
      expect(mirrors.has('Cust12345')).toBe(false)
      expect(service.log.text()).not.toContain(token.length > 10 ? token : '\u0000')
    })

    it('a replayed nonce', async () => {
      await post(service.app, await tableSchemaCall([peopleTable()]))
      const token = await mintToken()
      const first = await post(
        service.app,
        await rowDataCall([batch(peopleTable(), 5, [['[I:1]', 'Ann', null]])], token),
      )
      expect(first.successful).toBe(true)
      const replay = await post(
        service.app,
        await rowDataCall([batch(peopleTable(), 6, [['[I:2]', 'Eve', null]])], token),
      )
      expect(replay.successful).toBe(false)
      expect(replay.error).toMatch(/already used/)
      const db = await mirrors.forTenant('Cust12345' as ContextId)
      const rows = []
      for await (const row of db.readRows('person')) rows.push(row)
      expect(rows).toEqual([[1, 'Ann', null]])
      expect((await db.readState()).tables.get('person')?.lsn).toBe(5)
    })
  })

  describe('faults for requests that name no operation, and the service keeps serving', () => {
    const send = (body: string, headers: Record<string, string> = {}) =>
      service.app.request('/MirroringClientService.svc', {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', ...headers },
        body,
      })
    const envelope = (inner: string, prolog = '') =>
      `${prolog}<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${inner}</s:Body></s:Envelope>`
    const auth =
      '<AuthenticateRequest xmlns="http://www.superoffice.com/online/mirroring/0.1"><ClientState/></AuthenticateRequest>'

    const cases: [string, () => Response | Promise<Response>, number, RegExp][] = [
      ['malformed XML', () => send('<s:Envelope><unclosed>'), 400, /malformed/],
      ['mismatched tags', () => send(envelope('<a></b>')), 400, /malformed/],
      ['not XML at all', () => send('hello'), 400, /malformed/],
      ['an empty body', () => send(''), 400, /malformed|no body/],
      [
        'a DOCTYPE with an external entity',
        () =>
          send(
            envelope(
              auth.replace('<ClientState/>', '<ClientState>&xxe;</ClientState>'),
              '<!DOCTYPE s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            ),
          ),
        400,
        /DOCTYPE/,
      ],
      [
        'entity expansion (billion laughs)',
        () => send(`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`),
        400,
        /DOCTYPE/,
      ],
      [
        'an undeclared entity',
        () => send(envelope(auth.replace('<ClientState/>', '<ClientState>&boom;</ClientState>'))),
        400,
        /entity/,
      ],
      ['a processing instruction', () => send(envelope(`<?evil data?>${auth}`)), 400, /processing instruction/],
      ['deep nesting', () => send(envelope(`${'<a>'.repeat(200)}${'</a>'.repeat(200)}`)), 400, /deeper/],
      [
        'invalid UTF-8',
        () =>
          send(
            Buffer.concat([
              Buffer.from(envelope('<x>')),
              Buffer.from([0xff, 0xfe]),
              Buffer.from('</x>'),
            ]) as unknown as string,
          ),
        400,
        /UTF-8/,
      ],
      [
        'a body over the limit (Content-Length)',
        () => send('x', { 'content-length': String(65 * 1024 * 1024) }),
        413,
        /larger than/,
      ],
      [
        'a non-UTF-8 charset',
        () => send(envelope(auth), { 'content-type': 'text/xml; charset=utf-16' }),
        415,
        /charset/,
      ],
      ['a compressed body', () => send(envelope(auth), { 'content-encoding': 'gzip' }), 415, /Content-Encoding/],
      ['an unknown SOAPAction', () => send(envelope(auth), { soapaction: '"http://evil/Drop"' }), 500, /SOAPAction/],
      [
        'a SOAPAction that disagrees with the body',
        () =>
          send(envelope(auth), {
            soapaction: '"http://www.superoffice.com/online/mirroring/0.1/IMirroringClientService/Wipe"',
          }),
        500,
        /does not match/,
      ],
      [
        'an operation element in the wrong namespace',
        () => send(envelope('<AuthenticateRequest xmlns="urn:other"/>')),
        500,
        /no operation/,
      ],
      [
        'an unknown operation element',
        () => send(envelope('<DropEverything xmlns="http://www.superoffice.com/online/mirroring/0.1"/>')),
        500,
        /no operation/,
      ],
      ['an empty SOAP body', () => send(envelope('')), 400, /empty/],
      ['not a SOAP envelope', () => send('<Envelope><Body/></Envelope>'), 400, /not a SOAP 1.1 envelope/],
      [
        'a SOAP 1.2 envelope',
        () =>
          send(`<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>${auth}</e:Body></e:Envelope>`),
        500,
        /SOAP 1.2/,
      ],
      [
        'an unknown mustUnderstand header',
        () =>
          send(
            `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><x:Trap s:mustUnderstand="1" xmlns:x="urn:x"/></s:Header><s:Body>${auth}</s:Body></s:Envelope>`,
          ),
        500,
        /not understood/,
      ],
    ]

    it.each(cases)('%s', async (_, request, status, reason) => {
      const response = await request()
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8')
      const xml = await response.text()
      expect(xml).toContain('<s:Fault><faultcode>s:')
      expect(xml).toMatch(reason)
      expect(xml).not.toMatch(/at \w+ \(|\.ts:\d+/)
      const next = await post(service.app, await authenticateCall())
      expect(next.successful).toBe(true)
    })

    it('a streamed body over the limit, without Content-Length', async () => {
      const small = await testService({ config: { maxBodyBytes: 1024 } })
      const chunks = new ReadableStream({
        start(controller) {
          // An envelope whose header never ends: the size limit is met before the header's.
          controller.enqueue(new TextEncoder().encode(`<s:Envelope xmlns:s="${NS.soap}"><s:Header><a>`))
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(300)))
          controller.close()
        },
      })
      const response = await small.app.request('/MirroringClientService.svc', {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: chunks,
        duplex: 'half',
      } as RequestInit)
      expect(response.status).toBe(413)
    })

    it('too many elements', async () => {
      const small = await testService({ config: { maxXmlElements: 100 } })
      const response = await small.app.request('/', { method: 'POST', body: envelope(`<x>${'<y/>'.repeat(200)}</x>`) })
      expect(response.status).toBe(400)
      expect(await response.text()).toMatch(/more than 100 elements/)
    })

    it('GET on the endpoint', async () => {
      const response = await service.app.request('/MirroringClientService.svc')
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
    })
  })

  it('answers IsSuccessful=false, not a fault, for an identified operation with a missing container', async () => {
    const reply = await post(service.app, {
      action: 'http://www.superoffice.com/online/mirroring/0.1/IMirroringClientService/TableSchema',
      body: (await tableSchemaCall([])).body.replace(/<Tables[^>]*>.*<\/Tables>|<Tables[^>]*\/>/, ''),
    })
    expect(reply.status).toBe(200)
    expect(reply.successful).toBe(false)
    expect(reply.error).toBe('request has no Tables element')
  })

  it('refuses list items of a foreign namespace instead of reading a shorter list', async () => {
    expect((await post(service.app, await tableSchemaCall([peopleTable()]))).successful).toBe(true)
    const contract = 'http://schemas.datacontract.org/2004/07/SuperOffice.Online.Mirroring.Contract.V1'
    // The same request with its table items moved to another namespace: read as "no tables",
    // it would drop every table the mirror made.
    const mangled = (await tableSchemaCall([peopleTable()])).body.replaceAll(contract, 'urn:elsewhere')
    const reply = await post(service.app, { action: (await tableSchemaCall([])).action, body: mangled })
    expect(reply.successful).toBe(false)
    expect(reply.error).toMatch(/holds \{urn:elsewhere\}TableSchemaInfo.*nothing was changed/)
    expect(await tablesOf()).toEqual(['person'])
  })

  it('logs one line per call without tokens or row values', async () => {
    await post(service.app, await tableSchemaCall([peopleTable()]))
    const token = await mintToken()
    await post(service.app, await rowDataCall([batch(peopleTable(), 5, [['[I:1]', 'Secret Name 123', null]])], token))
    await post(
      service.app,
      await rowDataCall([batch(peopleTable(), 6, [['[I:2]', 'Other Secret', '[F:bad-value-456]']])]),
    )
    const calls = service.log.lines.filter((l) => l.fields.operation)
    expect(calls.map((l) => [l.fields.operation, l.fields.outcome, l.fields.contextId])).toEqual([
      ['TableSchema', 'ok', 'Cust12345'],
      ['RowData', 'ok', 'Cust12345'],
      ['RowData', 'failed', 'Cust12345'],
    ])
    expect(calls[1]!.fields).toMatchObject({ tables: 1, rows: 1, ms: expect.any(Number) })
    const text = service.log.text()
    for (const secret of [token, 'Secret Name 123', 'Other Secret', 'bad-value-456']) expect(text).not.toContain(secret)
  })

  it('answers the health check', async () => {
    const response = await service.app.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('keeps the tables of different tenants apart', async () => {
    expect((await post(service.app, await tableSchemaCall([peopleTable()], { contextId: 'CustA' }))).successful).toBe(
      true,
    )
    expect((await post(service.app, await tableSchemaCall([], { contextId: 'CustB' }))).successful).toBe(true)
    expect(await tablesOf('CustA')).toEqual(['person'])
    expect(await tablesOf('CustB')).toEqual([])
  })
})
