import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DevSystem, startDevSystem } from '../../src/adapters/demo/dev-system.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname
const data = mkdtempSync(join(tmpdir(), 'tm-browser-'))

let system: DevSystem
let browser: Browser

async function cycleAfter(since: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [status] = await system.task.registry.pairStatuses()
    if ((status?.lastStartedAt ?? 0) > since && (status?.lastFinishedAt ?? 0) >= (status?.lastStartedAt ?? 0)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('no cycle finished')
}

/** Issue 5's browser acceptance: the dashboard in Debian's Chromium, driven by playwright-core. */
describe('partner dashboard in a browser', () => {
  beforeAll(async () => {
    system = await startDevSystem({
      data,
      reset: false,
      host: '127.0.0.1',
      port: 0,
      intervalSeconds: 2,
      contacts: 200,
      logLevel: 'silent',
    })
    await cycleAfter(0)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await system?.stop()
    rmSync(data, { recursive: true, force: true })
  })

  it('refuses the dashboard and its API without the admin token', async () => {
    const base = new URL(system.dashboardUrl).origin
    expect((await fetch(`${base}/admin`)).status).toBe(401)
    expect((await fetch(`${base}/admin/api/tenants`)).status).toBe(401)
    expect((await fetch(`${base}/admin?token=not-the-token`)).status).toBe(401)
  })

  it('serves the page with a content security policy that allows no inline code, and its files from the package', async () => {
    const base = new URL(system.dashboardUrl).origin
    const auth = { authorization: `Bearer ${system.adminToken}` }
    const page = await fetch(`${base}/admin`, { headers: auth })
    const policy = page.headers.get('content-security-policy') ?? ''
    expect(policy).toContain("script-src 'self'")
    expect(policy).toContain("frame-ancestors 'none'")
    expect(policy).not.toContain('unsafe-inline')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(await page.text()).not.toMatch(/<script>|<style>|\son\w+=/)
    for (const file of ['dashboard.js', 'dashboard.css', 'uplot.js', 'uplot.css']) {
      expect((await fetch(`${base}/admin/assets/${file}`, { headers: auth })).status).toBe(200)
    }
  })

  it("shows the demo tenant's tables after a cycle; a forced resync sends the LSN to -1 and the next cycle brings it back", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(system.dashboardUrl)
    expect(new URL(page.url()).search).toBe('')
    await page.locator('tr.tenant[data-tenant="Cust12345"]').click()
    // Empty tables are hidden by default; contact has rows.
    const lsn = page.locator('tr[data-table="contact"] td.lsn')
    await lsn.waitFor()
    const before = Number(await lsn.textContent())
    expect(before).toBeGreaterThanOrEqual(0)
    expect(await page.locator('tr[data-table="contact"] td.rows').textContent()).toBe('200')

    const clicked = Date.now()
    await page.locator('button[data-resync="contact"]').click()
    await expect.poll(async () => lsn.textContent(), { timeout: 10_000 }).toBe('-1')
    await cycleAfter(clicked)
    await expect.poll(async () => Number(await lsn.textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(0)
    expect(await page.locator('tr[data-table="contact"] td.rows').textContent()).toBe('200')

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.locator('header').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: false })
    await page.close()
  }, 60_000)
})
