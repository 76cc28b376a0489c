import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS, soapActionOf } from '../../../src/adapters/soap/namespaces.ts'
import { parseDatabaseLocation } from '../../../src/adapters/sql/database-location.ts'
import { batch, peopleTable, rowDataCall, tableSchemaCall } from '../../support/envelopes.ts'
import { type TestService, testService } from '../../support/test-service.ts'
import { mintToken } from '../../support/tokens.ts'

/** Under @hono/node-server the body is read from Node's request (request-body.ts), not the web stream. */
describe("a call's body read from Node's request, over real HTTP", () => {
  let dir: string
  let service: TestService
  let server: ReturnType<typeof serve>
  let port: number

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tm-node-body-'))
    service = await testService({
      config: { database: parseDatabaseLocation(`sqlite:${dir}`)!, idleTimeoutMs: 300 },
    })
    server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await service.mirrors.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Posts `pieces` one by one, `gapMs` apart, chunked (no Content-Length); resolves with status and text. */
  const post = (action: string, pieces: readonly (string | Buffer)[], gapMs: number) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/MirroringClientService.svc',
          headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"` },
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (part: string) => {
            text += part
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        },
      )
      req.on('error', reject)
      void (async () => {
        for (const piece of pieces) {
          if (req.destroyed) return
          req.write(piece)
          await new Promise((r) => setTimeout(r, gapMs))
        }
        req.end()
      })()
    })

  it('applies a RowData call whose body arrives in many small pieces, cut inside multi-byte characters', async () => {
    const schema = await tableSchemaCall([peopleTable()])
    expect((await post(schema.action, [schema.body], 0)).text).toContain('<IsSuccessful>true</IsSuccessful>')
    const name = 'Zoë 😀 '.repeat(6)
    const call = await rowDataCall([batch(peopleTable(), 3, [['[I:1]', name, '[F:12.5]']])])
    const bytes = Buffer.from(call.body)
    // 97-byte pieces: the UTF-8 of the row is cut wherever 97 falls.
    const pieces: Buffer[] = []
    for (let at = 0; at < bytes.length; at += 97) pieces.push(bytes.subarray(at, at + 97))
    const reply = await post(call.action, pieces, 2)
    expect(reply.status).toBe(200)
    expect(reply.text).toContain('<IsSuccessful>true</IsSuccessful>')
    const mirror = new Database(join(dir, 'Mirror_Cust12345.sqlite'), { readonly: true })
    try {
      expect(mirror.prepare('select name from person where person_id = 1').pluck().get()).toBe(name)
    } finally {
      mirror.close()
    }
  })

  it('answers 408 when the body of an accepted call stops arriving', async () => {
    const prelude = `<s:Envelope xmlns:s="${NS.soap}"><s:Header><h:SignedToken xmlns:h="${NS.mirroring}">${await mintToken()}</h:SignedToken></s:Header><s:Body><RowDataRequest xmlns="${NS.mirroring}"><DataBatches xmlns:a="${NS.contract}">`
    const started = Date.now()
    // The first piece, then a pause far longer than the 300 ms idle timeout.
    const reply = await post(soapActionOf('RowData'), [prelude, ' '], 2_000)
    expect(reply.status).toBe(408)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(reply.text).toMatch(/did not arrive within the time allowed/)
  })
})
