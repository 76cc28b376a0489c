import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import fc from 'fast-check'
import forge from 'node-forge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  writeRowDataRequest,
  writeRowXml,
  writeTableSchemaRequest,
} from '../../../src/adapters/soap/request-writers.ts'
import { BodyBuffers } from '../../../src/adapters/task/soap/body-buffers.ts'
import { HttpPoster } from '../../../src/adapters/task/soap/http-post.ts'
import { RowSlabs } from '../../../src/adapters/task/soap/row-slabs.ts'
import { SoapMirroringClient } from '../../../src/adapters/task/soap/soap-mirroring-client.ts'
import { MirroringCallError } from '../../../src/application/task/ports/mirroring-client.port.ts'
import type { Row } from '../../../src/domain/changes/cell-value.ts'
import type { RowOperation } from '../../../src/domain/changes/change-batch.ts'
import { wireRowOf } from '../../../src/domain/changes/wire-value-encode-fast.ts'
import type { WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { buildTableSchema } from '../../../src/domain/schema/table-schema.ts'
import { readSample } from '../../support/fixtures.ts'

/** A partner stand-in that answers with whatever the test sets, and remembers what it got. */
type Reply = { status: number; body: string; delayMs?: number; headers?: Record<string, string> }
let reply: Reply = { status: 200, body: '' }
/** Replies given, in order, before `reply` is used again. */
const ahead: Reply[] = []
const received: { action: string; body: string; raw: Buffer }[] = []
let server: Server
let url: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push({ action: String(req.headers.soapaction), body: body.toString('utf8'), raw: body })
      const current = ahead.shift() ?? reply
      setTimeout(() => {
        res.writeHead(current.status, { 'content-type': 'text/xml; charset=utf-8', ...current.headers })
        res.end(current.body)
      }, current.delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/MirroringClientService.svc`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

const client = () => new SoapMirroringClient(url, { timeoutMs: 2000, maxResponseBytes: 1024 * 1024, busyRetryMs: 3000 })
const table: WireTableSchema = {
  name: 'person',
  columns: [
    { name: 'person_id', type: 'int', isNullable: 'false', defaultValue: '' },
    { name: 'name', type: 'nvarchar(50)', isNullable: 'true', defaultValue: "default (N'')" },
  ],
}

describe('SoapMirroringClient', () => {
  it("reads SuperOffice's captured replies", async () => {
    reply = { status: 200, body: readSample('SampleAuthenticateResponse.xml') }
    const auth = await client().authenticate('token')
    expect(auth).toMatchObject({
      ok: true,
      value: { supportedInterfaces: '1', build: '4.0.0.0/Release_1', additionalInformationJson: '' },
    })
    expect(received.at(-1)?.action).toBe(
      '"http://www.superoffice.com/online/mirroring/0.1/IMirroringClientService/Authenticate"',
    )
    reply = { status: 200, body: readSample('TableSchemaResponse.xml') }
    const unicode: WireTableSchema = {
      name: 'Grüße "t" <&>',
      columns: [{ name: 'ü😀', type: 'nvarchar(10)', isNullable: 'true', defaultValue: "default (N'<&>')" }],
    }
    const frozen = Object.freeze({
      ...table,
      columns: Object.freeze(table.columns.map((c) => Object.freeze({ ...c }))),
    })
    for (const tables of [[table, unicode, frozen, frozen], []]) {
      await client().tableSchema('to<k>en', tables)
      expect(received.at(-1)!.raw).toEqual(
        Buffer.from(writeTableSchemaRequest({ signedToken: 'to<k>en', clientState: '', tables })),
      )
    }
    const lsns = await client().tableSchema('token', [table])
    expect(lsns.ok && lsns.value.length).toBe(413)
    expect(lsns.ok && lsns.value[0]).toEqual({ table: 'access_script', lsn: 1506269 })
    for (const [file, call] of [
      ['SampleWipeResponse.xml', () => client().wipe('t', 'person')],
      ['SampleRowDataResponse.xml', () => client().rowData('t', [])],
      ['ReplicationCompletedResponse.xml', () => client().replicationCompleted('t', [])],
    ] as const) {
      reply = { status: 200, body: readSample(file) }
      expect(await call()).toEqual({ ok: true, value: undefined })
    }
  })

  it('passes IsSuccessful=false on as an answer with its ErrorMessage', async () => {
    reply = {
      status: 200,
      body: readSample('SampleWipeResponse.xml')
        .replace('<IsSuccessful>true</IsSuccessful>', '<IsSuccessful>false</IsSuccessful>')
        .replace('<ErrorMessage/>', '<ErrorMessage>table person is locked</ErrorMessage>'),
    }
    expect(await client().wipe('t', 'person')).toEqual({ ok: false, error: 'table person is locked' })
  })

  it('turns a Fault, an HTTP error, garbage, a timeout and a refused connection into MirroringCallError', async () => {
    reply = {
      status: 500,
      body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>request is not a SOAP 1.1 envelope</faultstring></s:Fault></s:Body></s:Envelope>',
    }
    await expect(client().wipe('t', 'x')).rejects.toThrow(
      /Wipe: SOAP Fault \(HTTP 500\): request is not a SOAP 1.1 envelope/,
    )
    reply = { status: 502, body: '<html>bad gateway</html>' }
    await expect(client().wipe('t', 'x')).rejects.toThrow(/Wipe: HTTP 502/)
    reply = { status: 200, body: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>' }
    await expect(client().wipe('t', 'x')).rejects.toBeInstanceOf(MirroringCallError)
    reply = { status: 200, body: readSample('SampleWipeResponse.xml'), delayMs: 3000 }
    await expect(client().wipe('t', 'x')).rejects.toThrow(/no reply within 2 s/)
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    await expect(new SoapMirroringClient(`http://127.0.0.1:${port}/x`).wipe('t', 'x')).rejects.toThrow(
      /cannot reach the mirroring client service \(ECONNREFUSED\)/,
    )
    await expect(new SoapMirroringClient('not a url').wipe('t', 'x')).rejects.toThrow(
      /Wipe: cannot reach the mirroring client service \(the mirroring URL is not a URL\)/,
    )
    await expect(new SoapMirroringClient('ftp://127.0.0.1/x').wipe('t', 'x')).rejects.toBeInstanceOf(MirroringCallError)
  })

  it('gives up a reply larger than it accepts, and the connection with it', async () => {
    reply = { status: 200, body: `<x>${'a'.repeat(3 * 1024 * 1024)}</x>` }
    await expect(client().wipe('t', 'x')).rejects.toThrow(/Wipe: reply larger than 1048576 bytes/)
    reply = { status: 200, body: readSample('SampleWipeResponse.xml') }
    expect(await client().wipe('t', 'x')).toEqual({ ok: true, value: undefined })
  })

  it('does not follow a redirect: the registered URL is the one called', async () => {
    reply = { status: 307, body: '', headers: { location: url } }
    await expect(client().wipe('t', 'x')).rejects.toThrow(
      /Wipe: cannot reach the mirroring client service \(.*redirect/,
    )
    reply = { status: 200, body: readSample('SampleWipeResponse.xml') }
  })

  it('sizes RowData requests exactly: rows plus overhead cover the body sent', async () => {
    reply = { status: 200, body: readSample('SampleRowDataResponse.xml') }
    const c = client()
    const rows = [
      c.encodeRow({ operation: 'I', values: ['[I:1]', 'Grüße 😀 <&>'] }),
      c.encodeRow({ operation: 'D', values: ['[I:2]', null] }),
    ]
    const token = 'x'.repeat(800)
    await c.rowData(token, [{ table, lsn: 1506269, rows }])
    const sent = Buffer.byteLength(received.at(-1)!.body)
    const planned = rows.reduce((n, r) => n + r.bytes, 0) + c.overhead(table)
    expect(planned).toBeGreaterThanOrEqual(sent)
    expect(planned - sent).toBeLessThan(1536)
    expect(received.at(-1)!.body).toContain('<b:string>Grüße 😀 &lt;&amp;&gt;</b:string>')
  })

  it('sends RowData byte for byte as writeRowDataRequest writes it, several batches and any text', async () => {
    reply = { status: 200, body: readSample('SampleRowDataResponse.xml') }
    const c = client()
    const other: WireTableSchema = { ...table, name: 'contact' }
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.constantFrom('', '[I:7]', 'Grüße 😀 <&>', 'a\rb\u0001c', '\uD800x'),
    )
    const rows = fc.array(
      fc.record({
        operation: fc.constantFrom('I', 'U', 'D'),
        values: fc.tuple(fc.option(text, { nil: null }), fc.option(text, { nil: null })),
      }),
      { maxLength: 6 },
    )
    await fc.assert(
      fc.asyncProperty(rows, rows, async (first, second) => {
        const token = 'tøken'.repeat(50)
        await c.rowData(token, [
          { table, lsn: -1, rows: first.map((r) => c.encodeRow(r)) },
          { table: other, lsn: 1506269, rows: second.map((r) => c.encodeRow(r)) },
        ])
        const expected = writeRowDataRequest({
          signedToken: token,
          clientState: '',
          batches: [
            { table, lsn: '-1', rows: first },
            { table: other, lsn: '1506269', rows: second },
          ],
        })
        // As bytes: a lone surrogate goes out as U+FFFD either way.
        expect(received.at(-1)!.raw.equals(Buffer.from(expected))).toBe(true)
      }),
      { numRuns: 60 },
    )
  })

  it('writes each call in flight into its own buffer, and uses a buffer again only once its call is done', async () => {
    const bodies = new BodyBuffers(2)
    const c = new SoapMirroringClient(
      url,
      { timeoutMs: 2000, maxResponseBytes: 1024 * 1024, busyRetryMs: 3000 },
      { poster: new HttpPoster(), bodies, slabs: new RowSlabs() },
    )
    const batch = (n: number) => ({
      table,
      lsn: -1,
      rows: Array.from({ length: 50 }, (_, i) =>
        c.encodeRow({ operation: 'I', values: [`[I:${n * 100 + i}]`, `call ${n}`] }),
      ),
    })
    const before = received.length
    reply = { status: 200, body: readSample('SampleRowDataResponse.xml'), delayMs: 50 }
    await Promise.all([1, 2, 3].map((n) => c.rowData(`token-${n}`, [batch(n)])))
    const got = received.slice(before).map((r) => r.body)
    expect(got).toHaveLength(3)
    for (const n of [1, 2, 3]) {
      const body = got.find((b) => b.includes(`token-${n}`))!
      expect(body.match(/call \d/g)!.every((m) => m === `call ${n}`)).toBe(true)
      expect(body.match(/call \d/g)).toHaveLength(50)
    }
    expect(bodies.waiting).toBe(2)
    const again = c.rowData('token-4', [batch(4)])
    expect(bodies.waiting).toBe(1)
    await again
    expect(received.at(-1)!.body).toContain('call 4')
    reply = { status: 200, body: readSample('SampleRowDataResponse.xml') }
  })

  it('sends rows encoded from their values byte for byte as their wire form, across slabs and beside text rows', async () => {
    reply = { status: 200, body: readSample('SampleRowDataResponse.xml') }
    const slabs = new RowSlabs(4096, 4)
    const c = new SoapMirroringClient(
      url,
      { timeoutMs: 2000, maxResponseBytes: 1024 * 1024, busyRetryMs: 3000 },
      { poster: new HttpPoster(), bodies: new BodyBuffers(), slabs },
    )
    const built = buildTableSchema(table)
    if (!built.ok) throw new Error('person does not build')
    const schema = built.value
    const encode = c.rowEncoder(schema)
    // Names long enough that a few rows fill a 4 KB slab, one too long for any slab, some to escape.
    const values: Row[] = Array.from({ length: 40 }, (_, i) => [
      i - 20,
      i % 7 === 0 ? null : i === 13 ? 'ü'.repeat(900) : `${'<name & co>'.repeat(i % 5)}${'n'.repeat(50 * (i % 9))}`,
    ])
    const operations: RowOperation[] = ['I', 'U', 'D']
    const wire = values.map((v, i) => wireRowOf(schema, operations[i % 3]!, v))
    const rows = values.map((v, i) => (i % 11 === 5 ? c.encodeRow(wire[i]!) : encode(operations[i % 3]!, v)))
    await c.rowData('t', [
      { table, lsn: -1, rows: rows.slice(0, 25) },
      { table, lsn: 7, rows: rows.slice(25) },
    ])
    const expected = writeRowDataRequest({
      signedToken: 't',
      clientState: '',
      batches: [
        { table, lsn: '-1', rows: wire.slice(0, 25) },
        { table, lsn: '7', rows: wire.slice(25) },
      ],
    })
    expect(received.at(-1)!.raw.equals(Buffer.from(expected))).toBe(true)
    // Every full slab was given back once its rows were in the body (at most four are kept).
    expect(slabs.waiting).toBeGreaterThan(0)
    // A row kept and sent again after its slab was written over fails before anything is sent.
    const kept = rows[39]!
    const more = Array.from({ length: 20 }, (_, i) =>
      c.rowData('t', [{ table, lsn: 8, rows: [encode('I', [i, 'x'.repeat(300)])] }]),
    )
    await Promise.all(more)
    const sent = received.length
    await expect(c.rowData('t', [{ table, lsn: 9, rows: [kept] }])).rejects.toThrow(/sent again/)
    expect(received.length).toBe(sent)
  })

  it('calls an HTTPS URL, checking its certificate', async () => {
    const { key, cert } = selfSigned('127.0.0.1')
    const secure = createHttpsServer({ key, cert }, (req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(readSample('SampleWipeResponse.xml')))
    })
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve))
    const at = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/MirroringClientService.svc`
    try {
      const trusted = new SoapMirroringClient(at, undefined, {
        poster: new HttpPoster({ ca: cert }),
        bodies: new BodyBuffers(),
        slabs: new RowSlabs(),
      })
      expect(await trusted.wipe('t', 'person')).toEqual({ ok: true, value: undefined })
      await expect(new SoapMirroringClient(at).wipe('t', 'person')).rejects.toThrow(
        /Wipe: cannot reach the mirroring client service \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
      )
    } finally {
      secure.closeAllConnections()
      await new Promise((r) => secure.close(r))
    }
  })

  it('sends nothing when a row is not the size it says', async () => {
    const c = client()
    const before = received.length
    const lying = { ...c.encodeRow({ operation: 'I', values: ['[I:1]', 'x'] }), bytes: 3 }
    await expect(c.rowData('t', [{ table, lsn: -1, rows: [lying] }])).rejects.toThrow(RangeError)
    expect(received.length).toBe(before)
  })

  it('encodes a row exactly as writeRowXml writes it, and counts its UTF-8 bytes', () => {
    const c = client()
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('', '[I:1]', '[DT:01/02/2024 03:04:05.0000000]', 'a&b<c>d\re\u0001f\uFFFEg', '\uD800x', '\uDC00'),
    )
    const row = fc.record({
      operation: fc.constantFrom('I', 'U', 'D', 'X', ''),
      values: fc.array(fc.option(text, { nil: null }), { maxLength: 16 }),
    })
    fc.assert(
      fc.property(row, (r) => {
        const encoded = c.encodeRow(r) as unknown as { xml: string; bytes: number }
        expect(encoded.xml).toBe(writeRowXml(r))
        expect(encoded.bytes).toBe(Buffer.byteLength(encoded.xml))
      }),
      { numRuns: 5000 },
    )
  })

  it('writes values marked plain as they are, and tests every other value for escapes', () => {
    const c = client()
    const xml = (row: { operation: string; values: (string | null)[]; plain?: boolean[] }) =>
      (c.encodeRow(row) as unknown as { xml: string }).xml
    const values = ['[I:7]', '[DT:01/02/2024 03:04:05.0000000]', 'a<b', null]
    // Marked plain where the task's columns are integers and datetimes: the same bytes.
    expect(xml({ operation: 'I', values, plain: [true, true, false, false] })).toBe(xml({ operation: 'I', values }))
    expect(xml({ operation: 'I', values, plain: [true, true, false, false] })).toContain('a&lt;b')
    // The mark is trusted, not checked: a value that is not plain goes out as given.
    expect(xml({ operation: 'I', values: ['a<b'], plain: [true] })).toContain('<b:string>a<b</b:string>')
  })

  it('tries a call answered busy (503 with Retry-After) again with the same request, within its retry window', async () => {
    const busy = { status: 503, body: '<busy/>', headers: { 'retry-after': '0' } }
    reply = { status: 200, body: readSample('SampleWipeResponse.xml') }
    ahead.push(busy, busy)
    const before = received.length
    const c = client()
    expect(await c.wipe('the-token', 'person')).toEqual({ ok: true, value: undefined })
    expect(c.busyAnswers).toBe(2)
    const bodies = received.slice(before).map((r) => r.body)
    expect(bodies).toHaveLength(3)
    expect(new Set(bodies).size).toBe(1)
    expect(bodies[0]).toContain('the-token')

    // Without Retry-After, or past the window, a 503 is an error like any other.
    ahead.push({ status: 503, body: '<busy/>' })
    await expect(client().wipe('t', 'person')).rejects.toThrow(/Wipe: HTTP 503/)
    ahead.push({ ...busy, headers: { 'retry-after': '5' } })
    await expect(client().wipe('t', 'person')).rejects.toThrow(/Wipe: HTTP 503/)
  })
})

describe('a kept-alive connection the service closed', () => {
  /**
   * A service that closes a connection when a request comes on it after `answers` requests, as
   * a server closing an idle connection just as the next request leaves looks to the client.
   */
  async function closingService(answers: number) {
    const bodies: string[] = []
    /** Requests seen on each connection. */
    const connections = new Map<Socket, number>()
    const server = createServer((req, res) => {
      const seen = (connections.get(req.socket) ?? 0) + 1
      connections.set(req.socket, seen)
      if (seen > answers) {
        req.socket.destroy()
        return
      }
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'))
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' })
        res.end(readSample('SampleWipeResponse.xml'))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}/MirroringClientService.svc`
    const c = new SoapMirroringClient(
      at,
      { timeoutMs: 2000, maxResponseBytes: 1024 * 1024, busyRetryMs: 0 },
      { poster: new HttpPoster(), bodies: new BodyBuffers(), slabs: new RowSlabs() },
    )
    const close = async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
    return { c, bodies, connections, close }
  }

  it('sends the same request again on a new connection when the kept-alive one was closed under it', async () => {
    const service = await closingService(1)
    try {
      expect(await service.c.wipe('token-1', 'person')).toEqual({ ok: true, value: undefined })
      expect(await service.c.wipe('token-2', 'person')).toEqual({ ok: true, value: undefined })
      expect(await service.c.wipe('token-3', 'person')).toEqual({ ok: true, value: undefined })
      // Each later call found its connection closed and went, the same bytes, on a new one.
      expect(service.connections.size).toBe(3)
      expect(service.bodies.map((b) => b.match(/token-\d/)![0])).toEqual(['token-1', 'token-2', 'token-3'])
    } finally {
      await service.close()
    }
  })

  it('does not send again a request whose new connection was closed: that is the service, not a stale connection', async () => {
    const service = await closingService(0)
    try {
      await expect(service.c.wipe('token-1', 'person')).rejects.toThrow(MirroringCallError)
      expect(service.connections.size).toBe(1)
    } finally {
      await service.close()
    }
  })
})

/** A key and a self-signed certificate for `ip`, as PEM. */
function selfSigned(ip: string): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string)
  cert.serialNumber = '01'
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + 3600_000)
  const subject = [{ name: 'commonName', value: ip }]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip }] }])
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create())
  return { key, cert: forge.pki.certificateToPem(cert) }
}
