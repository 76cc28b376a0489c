import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authenticateCall,
  batch,
  completedCall,
  peopleTable,
  rowDataCall,
  tableSchemaCall,
} from '../support/envelopes.ts'
import { post } from '../support/http.ts'
import { type TestService, testService } from '../support/test-service.ts'

/** The browser's, inside evaluate(); the project's TypeScript has no DOM library. */
declare function getComputedStyle(element: unknown): { backgroundColor: string }

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname
const TOKEN = 'dashboard-token-0123456789abcdef'
const TENANTS = 50
const FAILING = 'Cust4242'

let service: TestService
let server: Server
let browser: Browser
let base: string

/** A tenant's cycle as the Mirroring Task makes it; the failing tenant's RowData carries a value that does not fit. */
async function cycle(contextId: string, failing: boolean) {
  const table = peopleTable()
  const other = { ...peopleTable(), name: `empty_${contextId.slice(-2)}` }
  expect((await post(service.app, await authenticateCall({ contextId }))).successful).toBe(true)
  expect((await post(service.app, await tableSchemaCall([table, other], { contextId }))).successful).toBe(true)
  const first = await post(
    service.app,
    await rowDataCall([batch(table, 10, [['[I:1]', 'Ann', '[F:1.5]']])], { contextId }),
  )
  expect(first.successful).toBe(true)
  if (failing) {
    const bad = await post(
      service.app,
      await rowDataCall([batch(table, 11, [['[I:2]', 'Bob', '[F:not a number]']])], { contextId }),
    )
    expect(bad.successful).toBe(false)
  } else expect((await post(service.app, await completedCall([], { contextId }))).successful).toBe(true)
}

/** Issue 16's acceptance: a partner with fifty tenants, one of them failing, in Debian's Chromium. */
describe('dashboard with fifty tenants', () => {
  beforeAll(async () => {
    service = await testService({ config: { adminToken: TOKEN } })
    const tenants = Array.from({ length: TENANTS }, (_, i) => `Cust${4200 + i}`)
    for (const tenant of tenants) await cycle(tenant, tenant === FAILING)
    await service.flush()
    server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    await new Promise<void>((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    server?.close()
    await service?.close()
  })

  it('lists the failing tenant first and in red, with its error and log reference; filters narrow tenants and tables', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
    await page.goto(`${base}/admin?token=${TOKEN}`)
    const rows = page.locator('tr.tenant')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(TENANTS)
    const first = rows.first()
    expect(await first.getAttribute('data-tenant')).toBe(FAILING)
    expect(await first.getAttribute('class')).toContain('health-failing')
    const badge = first.locator('[data-testid=health]')
    expect(await badge.textContent()).toBe('failing')
    expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(179, 38, 30)')
    expect(await page.locator('[data-testid=summary]').textContent()).toBe(
      '50 tenants · 1 failing · 0 stale · 0 paused',
    )
    // The overview: charts drawn by uPlot, and the error feed with the log reference.
    await page.locator('#chart-rows canvas').waitFor()
    const feed = page.locator('#error-feed tr').first()
    expect(await feed.textContent()).toContain(FAILING)
    expect(await feed.locator('code').textContent()).toMatch(/^[0-9a-f]{8}$/)
    // Times in one format, local, with the UTC instant on hover.
    const time = feed.locator('time')
    expect(await time.textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(await time.getAttribute('title')).toMatch(/Z$/)

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-fifty-tenants.png'), fullPage: false })

    await page.fill('#tenant-filter', '421')
    await expect.poll(() => rows.count()).toBe(10)
    await page.fill('#tenant-filter', '')
    await expect.poll(() => rows.count()).toBe(TENANTS)

    // One tenant: its tables, the empty one hidden until asked for; the table filter.
    await page.locator(`tr.tenant[data-tenant="${FAILING}"]`).click()
    await page.locator('[data-testid=tenant-title]').filter({ hasText: FAILING }).waitFor()
    await page.locator('#tenant-chart-cycles canvas').waitFor()
    expect(await page.locator('#tenant-error').textContent()).toMatch(/RowData: .*amount/)
    await page.locator('tr[data-table="person"]').waitFor()
    const tableRows = page.locator('#table-rows tr')
    expect(await tableRows.count()).toBe(1)
    await page.check('#empty-tables')
    await expect.poll(() => tableRows.count()).toBe(2)
    await page.fill('#table-filter', 'empty')
    await expect.poll(() => tableRows.count()).toBe(1)
    expect(await tableRows.first().getAttribute('data-table')).toMatch(/^empty_/)
    expect(await page.locator('#schema-rows tr').first().textContent()).toMatch(/person_id int not null/)
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-failing-tenant.png'), fullPage: false })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)
})
