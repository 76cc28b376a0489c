import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { batch, completedCall, peopleTable, rowDataCall, tableSchemaCall } from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { testService } from '../../support/test-service.ts'

const TOKEN = 'prefix-token-0123456789abcdef'
const auth = { authorization: `Bearer ${TOKEN}` }
const ASSETS = ['uplot.css', 'dashboard.css', 'uplot.js', 'dashboard.js']

/** The service with one tenant's cycle, mounted as an integrator mounts it: `app.route(mount, service.app)`. */
async function mounted(mount: string) {
  const service = await testService({ config: { adminToken: TOKEN } })
  const table = peopleTable()
  expect((await post(service.app, await tableSchemaCall([table]))).successful).toBe(true)
  expect((await post(service.app, await rowDataCall([batch(table, 77, [['[I:1]', 'Ann', null]])]))).successful).toBe(
    true,
  )
  expect((await post(service.app, await completedCall([]))).successful).toBe(true)
  await service.flush()
  const app = new Hono()
  app.get('/', (c) => c.text('the integrator’s own'))
  app.route(mount, service.app)
  return { service, app }
}

/** The URLs the page loads: stylesheets and scripts. */
const assetUrls = (html: string) =>
  [...html.matchAll(/<(?:link rel="stylesheet" href|script src)="([^"]+)"/g)].map((m) => m[1]!)

describe('the dashboard under a prefix (app.route("/mirror", service.app))', () => {
  it('logs in within the prefix: a cookie for /mirror/admin and a redirect to /mirror/admin', async () => {
    const { app } = await mounted('/mirror')
    const login = await app.request(`/mirror/admin?token=${TOKEN}`)
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/mirror/admin')
    const setCookie = login.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^tenant_mirror_session=\d+\.[0-9a-f]{64};/)
    expect(setCookie).toMatch(/; Path=\/mirror\/admin(;|$)/)
    expect(setCookie).toMatch(/HttpOnly/)
    // A login on an API path keeps its path and query, less the token.
    const deep = await app.request(`/mirror/admin/api/errors?limit=5&token=${TOKEN}`)
    expect(deep.status).toBe(303)
    expect(deep.headers.get('location')).toBe('/mirror/admin/api/errors?limit=5')
    expect(deep.headers.get('set-cookie')).toMatch(/; Path=\/mirror\/admin(;|$)/)
  })

  it('serves the page with its files, its API and its logout under the prefix, the CSP intact', async () => {
    const { app } = await mounted('/mirror')
    const cookie = (await app.request(`/mirror/admin?token=${TOKEN}`)).headers.get('set-cookie')!.split(';')[0]!
    const page = await app.request('/mirror/admin', { headers: { cookie } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<html lang="en" data-base="/mirror/admin">')
    expect(html).not.toContain('{{')
    const urls = assetUrls(html)
    expect(urls.sort()).toEqual(ASSETS.map((f) => `/mirror/admin/assets/${f}`).sort())
    for (const url of urls) expect((await app.request(url, { headers: { cookie } })).status, url).toBe(200)
    const policy = page.headers.get('content-security-policy') ?? ''
    expect(policy).toContain("script-src 'self'")
    expect(policy).toContain("base-uri 'none'")
    expect(policy).not.toContain('unsafe-inline')
    expect(html).not.toMatch(/<script>|<style>|\son\w+=/)
    // The script asks nothing of /admin itself: it takes its paths from the page.
    const script = await (await app.request('/mirror/admin/assets/dashboard.js', { headers: { cookie } })).text()
    expect(script).not.toMatch(/['`]\/admin\/(api|logout)/)

    for (const headers of [{ cookie }, auth]) {
      const tenants = await app.request('/mirror/admin/api/tenants', { headers })
      expect(tenants.status).toBe(200)
      expect(tenants.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await tenants.json()).toMatchObject([{ contextId: 'Cust12345', health: 'ok' }])
    }
    const detail = (await (await app.request('/mirror/admin/api/tenants/Cust12345', { headers: auth })).json()) as {
      tables: unknown[]
    }
    expect(detail.tables).toMatchObject([{ table: 'person', lsn: 77 }])
    const spec = (await (await app.request('/mirror/admin/api/openapi.json', { headers: auth })).json()) as {
      servers: { url: string }[]
    }
    expect(spec.servers).toEqual([{ url: '/mirror/admin/api' }])
    // A change from the page itself, on the cookie.
    const paused = await app.request('/mirror/admin/api/tenants/Cust12345/pause', {
      method: 'POST',
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    })
    expect(paused.status).toBe(200)

    const logout = await app.request('/mirror/admin/logout', {
      method: 'POST',
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    })
    expect(logout.status).toBe(204)
    const cleared = logout.headers.get('set-cookie')!
    expect(cleared).toMatch(/^tenant_mirror_session=;/)
    expect(cleared).toMatch(/Max-Age=0/)
    expect(cleared).toMatch(/; Path=\/mirror\/admin(;|$)/)
    // Without the token, under the prefix as at the root.
    expect((await app.request('/mirror/admin')).status).toBe(401)
    expect((await app.request('/mirror/admin/api/tenants')).status).toBe(401)
    expect((await app.request('/admin/api/tenants', { headers: auth })).status).toBe(404)
    expect(await (await app.request('/')).text()).toBe('the integrator’s own')
  })

  it('is unchanged at the root: /admin, its files under /admin/assets, the cookie for /admin', async () => {
    const { service } = await mounted('/mirror')
    const login = await service.app.request(`/admin?token=${TOKEN}`)
    expect(login.headers.get('location')).toBe('/admin')
    expect(login.headers.get('set-cookie')).toMatch(/; Path=\/admin(;|$)/)
    const html = await (await service.app.request('/admin', { headers: auth })).text()
    expect(html).toContain('data-base="/admin"')
    expect(assetUrls(html).sort()).toEqual(ASSETS.map((f) => `/admin/assets/${f}`).sort())
    const spec = (await (await service.app.request('/admin/api/openapi.json', { headers: auth })).json()) as {
      servers: { url: string }[]
    }
    expect(spec.servers).toEqual([{ url: '/admin/api' }])
  })

  it('takes the prefix from the request under a parameter, and refuses a path it cannot put in a page or a cookie', async () => {
    const { app } = await mounted('/partners/:partner')
    const html = await (await app.request('/partners/acme-1/admin', { headers: auth })).text()
    expect(assetUrls(html)).toContain('/partners/acme-1/admin/assets/dashboard.js')
    const login = await app.request(`/partners/acme-1/admin?token=${TOKEN}`)
    expect(login.headers.get('set-cookie')).toMatch(/; Path=\/partners\/acme-1\/admin(;|$)/)
    for (const partner of ['%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'a%20b', 'caf%C3%A9', 'x;y']) {
      const page = await app.request(`/partners/${partner}/admin`, { headers: auth })
      expect(page.status, partner).toBe(400)
      expect(page.headers.get('content-type')).toBe('application/problem+json')
      expect(await page.text()).not.toContain('<script')
      const refused = await app.request(`/partners/${partner}/admin?token=${TOKEN}`)
      expect(refused.status, partner).toBe(400)
      expect(refused.headers.get('set-cookie'), partner).toBeNull()
    }
    // The API itself needs no base: with the token it answers there too.
    expect((await app.request('/partners/a%20b/admin/api/tenants', { headers: auth })).status).toBe(200)
  })
})
