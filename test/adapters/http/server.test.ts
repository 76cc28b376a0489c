import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDatabaseLocation } from '../../../src/adapters/sql/database-location.ts'
import {
  authenticateCall,
  batch,
  type Call,
  completedCall,
  peopleTable,
  rowDataCall,
  tableSchemaCall,
  wipeCall,
} from '../../support/envelopes.ts'
import { readReply } from '../../support/http.ts'
import { type TestService, testService } from '../../support/test-service.ts'

describe('a running server with SQLite mirrors, over real HTTP', () => {
  let dir: string
  let service: TestService
  let server: ReturnType<typeof serve>
  let base: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tm-http-'))
    service = await testService({
      config: { database: parseDatabaseLocation(`sqlite:${dir}`)!, maxBodyBytes: 256 * 1024 },
    })
    server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await service.mirrors.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const send = async (call: Call) => {
    const response = await fetch(`${base}/MirroringClientService.svc`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
      body: call.body,
    })
    expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8')
    return readReply(response.status, await response.text())
  }

  const mirror = () => new Database(join(dir, 'Mirror_Cust12345.sqlite'), { readonly: true })

  it('delivers the Fault of a request refused before its body was read, on a kept-alive connection', async () => {
    const doctype =
      '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x "y">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
    const padding = new TextEncoder().encode(' '.repeat(64 * 1024))
    for (let i = 0; i < 20; i++) {
      // Sent in chunks without a length, the way a streaming client sends: the service refuses
      // at the DOCTYPE while most of the body is still on its way.
      const chunks = 3
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(doctype))
          for (let c = 0; c < chunks; c++) controller.enqueue(padding)
          controller.close()
        },
      })
      const response = await fetch(`${base}/MirroringClientService.svc`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"x"' },
        body,
        duplex: 'half',
      } as RequestInit)
      expect(response.status).toBe(400)
      expect(await response.text()).toContain('Fault')
    }
  })

  it('runs a whole cycle into the tenant file', async () => {
    expect((await send(await authenticateCall())).successful).toBe(true)
    const schema = await send(await tableSchemaCall([peopleTable()]))
    expect(schema.successful).toBe(true)
    const rows = await send(
      await rowDataCall([
        batch(peopleTable(), -1, [
          ['[I:1]', 'Ann', '[F:1.5]'],
          ['[I:2]', 'Bob', null],
          ['[I:3]', '', '[F:-2]'],
        ]),
      ]),
    )
    expect(rows.successful).toBe(true)
    const changes = await send(
      await rowDataCall([
        batch(peopleTable(), 900, [['[I:2]', 'Bobby', '[F:7.25]']], 'U'),
        batch(peopleTable(), 900, [['[I:3]', null, null]], 'D'),
      ]),
    )
    expect(changes.successful).toBe(true)
    expect(
      (await send(await completedCall([{ table: 'person', inserts: '3', updates: '1', deletes: '1' }]))).successful,
    ).toBe(true)

    const db = mirror()
    try {
      expect(db.prepare('select person_id, name, amount from person order by person_id').all()).toEqual([
        { person_id: 1, name: 'Ann', amount: 1.5 },
        { person_id: 2, name: 'Bobby', amount: 7.25 },
      ])
      expect(db.prepare('select lsn from Cust12345_mirroring where tablename = ?').get('person')).toEqual({ lsn: 900 })
    } finally {
      db.close()
    }

    const again = await send(await tableSchemaCall([peopleTable()]))
    expect(again.xml).toContain('<a:LSN>900</a:LSN><a:TableName>person</a:TableName>')
    expect((await send(await wipeCall('person'))).successful).toBe(true)
    const after = mirror()
    try {
      expect(after.prepare('select count(*) n from person').get()).toEqual({ n: 0 })
      expect(after.prepare('select lsn from Cust12345_mirroring').get()).toEqual({ lsn: -1 })
    } finally {
      after.close()
    }
  })

  it('refuses hostile requests and keeps serving', async () => {
    const raw = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
      fetch(`${base}/MirroringClientService.svc`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', ...headers },
        body,
      })
    expect((await raw('<s:Envelope')).status).toBe(400)
    expect((await raw('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')).status).toBe(400)
    const huge = await raw(new Uint8Array(300 * 1024).fill(65))
    expect(huge.status).toBe(413)
    expect(await huge.text()).toContain('larger than 262144 bytes')
    const bad = await send(await rowDataCall([batch(peopleTable(), 5, [['[I:10]', 'X', '[F:not-a-number]']])]))
    expect(bad.successful).toBe(false)
    expect(bad.error).toMatch(
      /table person, row 1, column amount: value is not a decimal number; nothing of the batch was written/,
    )
    expect((await send(await authenticateCall())).successful).toBe(true)
    const health = await fetch(`${base}/healthz`)
    expect(health.status).toBe(200)
  })
})
