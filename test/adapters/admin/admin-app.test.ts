import { describe, expect, it } from 'vitest'
import { InMemoryMirrorDatabases } from '../../../src/adapters/memory/in-memory-mirror-database.ts'
import type { MirrorDatabaseProvider } from '../../../src/application/ports/mirror-database.port.ts'
import {
  authenticateCall,
  batch,
  completedCall,
  peopleTable,
  rowDataCall,
  tableSchemaCall,
} from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { testService } from '../../support/test-service.ts'

const TOKEN = 'admin-token-0123456789abcdef'
const auth = { authorization: `Bearer ${TOKEN}` }

async function seeded(mirrors?: MirrorDatabaseProvider) {
  const service = await testService({ config: { adminToken: TOKEN }, ...(mirrors ? { mirrors } : {}) })
  const table = peopleTable()
  expect((await post(service.app, await tableSchemaCall([table]))).successful).toBe(true)
  const rows = [
    ['[I:1]', 'Ann', '[F:1.5]'],
    ['[I:2]', 'Bob', null],
  ]
  expect((await post(service.app, await rowDataCall([batch(table, 77, rows)]))).successful).toBe(true)
  expect((await post(service.app, await completedCall([]))).successful).toBe(true)
  await service.flush()
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await service.app.request(`/admin/api${path}`, { ...init, headers: { ...auth, ...init.headers } })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] }
  }
  return { service, api }
}

describe('admin dashboard and API', () => {
  it('refuses every request without the admin token', async () => {
    const { service } = await seeded()
    for (const path of ['/admin', '/admin/api/tenants', '/admin/api/openapi.json']) {
      expect((await service.app.request(path)).status).toBe(401)
      expect((await service.app.request(path, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401)
    }
    expect((await service.app.request('/admin/api/tenants/Cust12345/resync', { method: 'POST' })).status).toBe(401)
    const none = await testService()
    expect((await none.app.request('/admin/api/tenants', { headers: auth })).status).toBe(404)
  })

  it('lets a browser in once with ?token=, by an HttpOnly cookie and a URL without the token', async () => {
    const { service } = await seeded()
    const login = await service.app.request(`/admin?token=${TOKEN}`)
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/admin')
    const cookie = login.headers.get('set-cookie')!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const page = await service.app.request('/admin', { headers: { cookie: cookie.split(';')[0]! } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('partner dashboard')
  })

  it('keeps a browser in with a signed session that is not the token, expires, and ends at logout', async () => {
    const { service } = await seeded()
    const login = await service.app.request(`http://mirror.example/admin?token=${TOKEN}`, {
      headers: { 'x-forwarded-proto': 'https' },
    })
    const setCookie = login.headers.get('set-cookie')!
    expect(setCookie).not.toContain(TOKEN)
    expect(setCookie).toMatch(/^tenant_mirror_session=\d+\.[0-9a-f]{64};/)
    expect(setCookie).toMatch(/Max-Age=43200/)
    expect(setCookie).toMatch(/; Secure/)
    expect(setCookie).toMatch(/HttpOnly/)
    const plain = (await service.app.request(`/admin?token=${TOKEN}`)).headers.get('set-cookie')!
    expect(plain).not.toMatch(/; Secure/)
    const cookie = setCookie.split(';')[0]!
    expect((await service.app.request('/admin/api/tenants', { headers: { cookie } })).status).toBe(200)
    // A forged or altered session is refused.
    const [name, value] = cookie.split('=') as [string, string]
    const forged = `${name}=${Number(value.split('.')[0]) + 1}.${value.split('.')[1]}`
    expect((await service.app.request('/admin/api/tenants', { headers: { cookie: forged } })).status).toBe(401)
    // Twelve hours later it has expired.
    service.clock.set(service.clock.now() + 12 * 3600 * 1000 + 1000)
    expect((await service.app.request('/admin/api/tenants', { headers: { cookie } })).status).toBe(401)
    service.clock.set(Date.now())
    const fresh = (await service.app.request(`/admin?token=${TOKEN}`)).headers.get('set-cookie')!.split(';')[0]!
    const logout = await service.app.request('/admin/logout', {
      method: 'POST',
      headers: { cookie: fresh, 'sec-fetch-site': 'same-origin' },
    })
    expect(logout.status).toBe(204)
    expect(logout.headers.get('set-cookie')).toMatch(/^tenant_mirror_session=;.*Max-Age=0/)
  })

  it('sends security headers on every admin answer, refusals included', async () => {
    const { service } = await seeded()
    for (const response of [
      await service.app.request('/admin', { headers: auth }),
      await service.app.request('/admin/api/tenants'),
    ]) {
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/)
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    }
  })

  it('takes the Bearer scheme in any case', async () => {
    const { service } = await seeded()
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const response = await service.app.request('/admin/api/tenants', {
        headers: { authorization: `${scheme} ${TOKEN}` },
      })
      expect(response.status).toBe(200)
    }
  })

  it('refuses a cross-origin form post carrying the admin cookie, and changes nothing', async () => {
    const { service, api } = await seeded()
    const cookie = (await service.app.request(`/admin?token=${TOKEN}`)).headers.get('set-cookie')!.split(';')[0]!
    const form = { cookie, 'content-type': 'application/x-www-form-urlencoded' }
    for (const headers of [
      { ...form, origin: 'http://evil.example' },
      { ...form, origin: 'http://localhost:9999', 'sec-fetch-site': 'same-site' },
      { ...form, 'sec-fetch-site': 'cross-site' },
      // Neither header: a cookie alone does not change anything.
      form,
    ]) {
      for (const [method, path] of [
        ['POST', '/admin/api/tenants/Cust12345/pause'],
        ['POST', '/admin/api/tenants/Cust12345/resync'],
        ['DELETE', '/admin/api/tenants/Cust12345/mirror'],
      ] as const) {
        const response = await service.app.request(`http://localhost${path}`, { method, headers, body: 'x=1' })
        expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403)
        expect(response.headers.get('content-type')).toBe('application/problem+json')
        expect(await response.json()).toEqual({
          type: 'about:blank',
          title: 'cross-origin request refused',
          status: 403,
          detail: 'use the dashboard, or the Authorization header',
        })
      }
    }
    const tenant = (await api('/tenants/Cust12345')).body as unknown as { paused: boolean; tables: { lsn: number }[] }
    expect(tenant.paused).toBe(false)
    expect(tenant.tables[0]!.lsn).toBe(77)
    // From the page itself (as the browser marks it), the same cookie works.
    for (const headers of [
      { cookie, 'sec-fetch-site': 'same-origin' },
      { cookie, origin: 'http://localhost', host: 'localhost' },
    ]) {
      const paused = await service.app.request('http://localhost/admin/api/tenants/Cust12345/pause', {
        method: 'POST',
        headers,
      })
      expect(paused.status).toBe(200)
    }
  })

  it('shows each tenant with its last call and cycle, and its tables with LSN, rows and schema changes', async () => {
    const { api } = await seeded()
    const tenants = await api('/tenants')
    expect(tenants.body).toEqual([
      {
        contextId: 'Cust12345',
        health: 'ok',
        paused: false,
        lastCall: { at: expect.any(Number), operation: 'ReplicationCompleted', outcome: 'ok' },
        lastSuccessAt: expect.any(Number),
        lastCompletedAt: expect.any(Number),
        lastError: null,
        failures24h: 0,
        recentCycles: [],
      },
    ])
    const detail = await api('/tenants/Cust12345')
    expect(detail.body).toMatchObject({
      tables: [{ table: 'person', lsn: 77, rows: 2, createdByMirror: true, lastRows: 2 }],
      schemaChanges: [
        { table: 'person', change: 'Created', detail: expect.stringMatching(/^created: person_id int not null/) },
      ],
    })
    const missing = await api('/tenants/Nobody')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ title: 'no such tenant', status: 404 })
    expect((await api('/openapi.json')).body).toMatchObject({ openapi: '3.0.3' })
  })

  it('pauses a tenant: Authenticate then answers doNotReplicate, until resumed', async () => {
    const { service, api } = await seeded()
    expect((await api('/tenants/Cust12345/pause', { method: 'POST' })).body).toEqual({
      contextId: 'Cust12345',
      paused: true,
    })
    const paused = await post(service.app, await authenticateCall())
    expect(paused.field('AdditionalInformationJson')).toBe('{"doNotReplicate":"true"}')
    await api('/tenants/Cust12345/resume', { method: 'POST' })
    expect((await post(service.app, await authenticateCall())).field('AdditionalInformationJson')).toBe('')
  })

  it('forces a full resync of a table or the tenant, and discards a mirror', async () => {
    const { api } = await seeded()
    expect((await api('/tenants/Cust12345/tables/PERSON/resync', { method: 'POST' })).body).toEqual({
      contextId: 'Cust12345',
      table: 'person',
      lsn: -1,
    })
    expect((await api('/tenants/Cust12345/tables/nope/resync', { method: 'POST' })).status).toBe(404)
    expect((await api('/tenants/Cust12345/tables/a%22b/resync', { method: 'POST' })).status).toBe(400)
    expect((await api('/tenants/Cust12345/resync', { method: 'POST' })).body).toEqual({
      contextId: 'Cust12345',
      resynced: 1,
    })
    expect((await api('/tenants/Cust12345')).body).toMatchObject({ tables: [{ table: 'person', lsn: -1, rows: 2 }] })
    expect((await api('/tenants/Cust12345/mirror', { method: 'DELETE' })).body).toEqual({
      contextId: 'Cust12345',
      dropped: 1,
    })
    expect((await api('/tenants/Cust12345')).body).toMatchObject({ tables: [] })
  })

  it('works without an inspector: no row counts, and a resync answers 501', async () => {
    // An integrator's provider that offers only what the use cases call.
    const inner = new InMemoryMirrorDatabases()
    const { service, api } = await seeded({ forTenant: (ctx) => inner.forTenant(ctx), close: async () => {} })
    expect(service.inspector).toBeUndefined()
    expect((await api('/tenants/Cust12345')).body).toMatchObject({ tables: [{ table: 'person', lsn: 77, rows: null }] })
    for (const path of ['/tenants/Cust12345/resync', '/tenants/Cust12345/tables/person/resync']) {
      const response = await service.app.request(`/admin/api${path}`, { method: 'POST', headers: auth })
      expect(response.status).toBe(501)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(await response.json()).toMatchObject({
        status: 501,
        detail: 'the mirror provider offers no inspection; pass an inspector',
      })
    }
    expect((await api('/tenants/Cust12345')).body).toMatchObject({ tables: [{ table: 'person', lsn: 77 }] })
  })

  it('exports Prometheus metrics and readiness', async () => {
    const { service } = await seeded()
    const metrics = await (await service.app.request('/metrics')).text()
    expect(metrics).toContain('tenant_mirror_calls_total{operation="RowData",outcome="ok"} 1')
    expect(metrics).toContain('tenant_mirror_rows_applied_total{operation="I"} 2')
    expect(metrics).toContain('tenant_mirror_rowdata_apply_seconds_count 1')
    expect(metrics).toMatch(/tenant_mirror_call_seconds_count\{operation="RowData"\} 1\b/)
    expect(metrics).toContain('tenant_mirror_active_tenants 1')
    expect((await service.app.request('/readyz')).status).toBe(200)
    expect(metrics).toMatch(/^tenant_mirror_ready 1$/m)
    service.metrics.ready = false
    expect((await service.app.request('/readyz')).status).toBe(503)
    expect(await (await service.app.request('/metrics')).text()).toMatch(/^tenant_mirror_ready 0$/m)
  })
})
