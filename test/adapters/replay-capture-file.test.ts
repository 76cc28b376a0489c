import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCapture } from '../../src/adapters/replay/capture-file.ts'
import { readSample, SAMPLE_CLIENT_ID } from '../support/fixtures.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname

const ACTION = 'http://www.superoffice.com/online/mirroring/0.1/IMirroringClientService/'

/** A raw HTTP request as capture tools write it; `length` overrides the true Content-Length. */
function request(body: string, length = Buffer.byteLength(body), eol = '\r\n', operation = 'Wipe'): string {
  const head = [
    'POST /Mirror.svc HTTP/1.1 ',
    'Host: localhost ',
    `Content-Length: ${length} `,
    `SOAPAction: "${ACTION}${operation}"`,
  ]
  return `${head.join(eol)}${eol}${eol}${body}`
}

const envelope = (text: string, prefix = 's') =>
  `<${prefix}:Envelope xmlns:${prefix}="http://schemas.xmlsoap.org/soap/envelope/">\n  <${prefix}:Body>${text}</${prefix}:Body>\n</${prefix}:Envelope>`

describe('parseCapture', () => {
  it('reads a bare envelope whole, without warnings', () => {
    const body = envelope('bare')
    expect(parseCapture(`\uFEFF${body}\n`)).toEqual({ requests: [{ headers: new Map(), body }], warnings: [] })
  })

  it('reads requests whose Content-Length is right without warnings, as before', () => {
    const bodies = [envelope('one'), envelope('två — ünïcode', 'soap'), envelope('three')]
    const text = `${request(bodies[0]!)}\r\n${request(bodies[1]!)}${request(bodies[2]!, undefined, '\n')}\n`
    const capture = parseCapture(text)
    expect(capture.requests.map((r) => r.body)).toEqual(bodies)
    expect(capture.requests[1]!.headers.get('soapaction')).toBe(`"${ACTION}Wipe"`)
    expect(capture.requests[2]!.headers.get('content-length')).toBe(String(Buffer.byteLength(bodies[2]!)))
    expect(capture.warnings).toEqual([])
  })

  it('accepts a Content-Length that also counts the line break after the envelope', () => {
    const body = envelope('counted')
    const capture = parseCapture(`${request(body, Buffer.byteLength(body) + 2)}\r\n${request(body)}`)
    expect(capture.requests.map((r) => r.body)).toEqual([body, body])
    expect(capture.warnings).toEqual([])
  })

  it('reads to the end of each envelope when Content-Length is too short or too long, one warning each', () => {
    const bodies = [envelope('short'), envelope('long', 'soapenv'), envelope('right')]
    // Joined as files are by `cat`: no line break between a body and the next request line.
    const text = request(bodies[0]!, 20) + request(bodies[1]!, 5000) + request(bodies[2]!)
    const capture = parseCapture(text)
    expect(capture.requests.map((r) => r.body)).toEqual(bodies)
    expect(capture.warnings).toEqual([
      {
        request: 0,
        message: `Content-Length 20 does not match the ${bodies[0]!.length}-byte envelope; read to its end`,
      },
      {
        request: 1,
        message: `Content-Length 5000 does not match the ${bodies[1]!.length}-byte envelope; read to its end`,
      },
    ])
  })

  it('finds the root close tag past nested same-name elements, comments and CDATA, whatever the prefix', () => {
    const body =
      '<?xml version="1.0"?>\n<!-- <Envelope> --><Envelope a=">"><Envelope/><x><![CDATA[</Envelope>]]></x>' +
      '<Envelope><!-- </Envelope> --></Envelope></Envelope>'
    const capture = parseCapture(request(body, 1) + request(envelope('next')))
    expect(capture.requests.map((r) => r.body)).toEqual([body, envelope('next')])
    expect(capture.warnings.map((w) => w.request)).toEqual([0])
  })

  it('keeps a body that is no complete envelope up to the next request line, and warns about stray text', () => {
    const truncated = '<s:Envelope><s:Body>'
    const text = `${request(truncated, 999)}\n${request(envelope('ok'))}\ngarbage\n${request(envelope('last'))}`
    const capture = parseCapture(text)
    expect(capture.requests.map((r) => r.body)).toEqual([truncated, envelope('ok'), envelope('last')])
    expect(capture.warnings).toEqual([
      { request: 1, message: '8 characters after the request are no request; ignored' },
    ])
  })
})

/** The case: published samples joined into one capture, with lengths that do not match. */
describe('tenant-mirror replay of a capture with wrong Content-Lengths', () => {
  let dir: string
  let result: { stdout: string; stderr: string }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tm-capture-'))
    const rowData = readSample('SampleRowDataRequest.xml')
    const wipe = readSample('SampleWipeRequest.xml')
    // TableSchemaRequest1.xml is a raw request whose Content-Length (749485) is short of its body.
    const capture = [
      readSample('TableSchemaRequest1.xml'),
      request(rowData, Buffer.byteLength(rowData) + 4096, '\r\n', 'RowData'),
      request(wipe, Buffer.byteLength(wipe), '\r\n', 'Wipe'),
      request(readSample('ReplicationCompletedRequest.xml'), 100, '\r\n', 'ReplicationCompleted'),
    ].join('')
    writeFileSync(join(dir, 'capture.txt'), capture)
    await run(process.execPath, [BIN, 'keys', 'generate', '--out', join(dir, 'keys')])
    result = await run(process.execPath, [
      BIN,
      'replay',
      ...['--database', `sqlite:${join(dir, 'db')}`, '--superoffice-env', 'development'],
      ...['--client-id', SAMPLE_CLIENT_ID, '--private-key', join(dir, 'keys', 'private.pem')],
      join(dir, 'capture.txt'),
    ])
  }, 60_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('replays every request successfully', () => {
    expect(result.stdout.trim().split('\n')).toEqual([
      'capture.txt#1 TableSchema Cust24709 IsSuccessful=true',
      'capture.txt#2 RowData Cust24709 IsSuccessful=true',
      'capture.txt#3 Wipe Cust24709 IsSuccessful=true',
      'capture.txt#4 ReplicationCompleted Cust24709 IsSuccessful=true',
    ])
  })

  it('prints one warning line on stderr for each request whose Content-Length is wrong', () => {
    const warnings = result.stderr.split('\n').filter((line) => line.includes('warning:'))
    expect(warnings).toEqual([
      'capture.txt#1: warning: Content-Length 749485 does not match the 1037195-byte envelope; read to its end',
      'capture.txt#2: warning: Content-Length 13460 does not match the 9364-byte envelope; read to its end',
      'capture.txt#4: warning: Content-Length 100 does not match the 1474-byte envelope; read to its end',
    ])
  })
})
