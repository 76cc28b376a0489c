import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batch, completedCall, peopleTable, rowDataCall, tableSchemaCall } from '../support/envelopes.ts'
import { post } from '../support/http.ts'
import { type TestService, testService } from '../support/test-service.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TOKEN = 'prefix-browser-token-0123456789abcdef'

let service: TestService
let server: Server
let browser: Browser
let base: string

/** The dashboard of a service an integrator mounted in an app of their own under /mirror, in Debian's Chromium. */
describe('dashboard under a prefix in a browser', () => {
  beforeAll(async () => {
    service = await testService({ config: { adminToken: TOKEN } })
    const table = peopleTable()
    expect((await post(service.app, await tableSchemaCall([table]))).successful).toBe(true)
    const rows = [
      ['[I:1]', 'Ann', '[F:1.5]'],
      ['[I:2]', 'Bob', null],
    ]
    expect((await post(service.app, await rowDataCall([batch(table, 77, rows)]))).successful).toBe(true)
    expect((await post(service.app, await completedCall([]))).successful).toBe(true)
    await service.flush()
    const app = new Hono()
    app.get('/', (c) => c.text('the integrator’s own'))
    app.route('/mirror', service.app)
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    await new Promise<void>((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    server?.close()
    await service?.close()
  })

  it('logs in at /mirror/admin, fills the tenant table from /mirror/admin/api, and logs out within the prefix', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    const page = await context.newPage()
    const errors: string[] = []
    const outside: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname
      if (!path.startsWith('/mirror/admin')) outside.push(path)
    })
    await page.goto(`${base}/mirror/admin?token=${TOKEN}`)
    expect(new URL(page.url()).pathname).toBe('/mirror/admin')
    expect(new URL(page.url()).search).toBe('')
    const [cookie] = await context.cookies()
    expect(cookie).toMatchObject({ name: 'tenant_mirror_session', path: '/mirror/admin', httpOnly: true })

    const rows = page.locator('tr.tenant')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1)
    expect(await rows.first().getAttribute('data-tenant')).toBe('Cust12345')
    await page.locator('#chart-rows canvas').waitFor()
    await rows.first().click()
    await page.locator('tr[data-table="person"] td.lsn').waitFor()
    expect(await page.locator('tr[data-table="person"] td.lsn').textContent()).toBe('77')
    expect(await page.locator('tr[data-table="person"] td.rows').textContent()).toBe('2')

    // Everything the page asked for was under the prefix, and answered.
    expect(errors).toEqual([])
    expect(outside).toEqual([])

    await page.locator('#logout').click()
    await page.waitForURL(`${base}/mirror/admin`)
    await expect.poll(async () => (await context.cookies()).length).toBe(0)
    expect(await page.locator('body').textContent()).toContain('admin token required')
    await context.close()
  }, 60_000)
})
