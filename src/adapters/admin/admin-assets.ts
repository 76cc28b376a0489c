import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Hono } from 'hono'
import { adminBase, refuseUnsafeBase } from './admin-base.ts'

/** The page's own files (assets/admin) and uPlot's, served from the package: no CDN. */
const OWN = new URL('../../../assets/admin/', import.meta.url)
const UPLOT = createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js')

const FILES: Readonly<Record<string, { readonly type: string; readonly path: string | URL }>> = {
  'dashboard.js': { type: 'text/javascript; charset=utf-8', path: new URL('dashboard.js', OWN) },
  'dashboard.css': { type: 'text/css; charset=utf-8', path: new URL('dashboard.css', OWN) },
  'uplot.js': { type: 'text/javascript; charset=utf-8', path: UPLOT },
  'uplot.css': { type: 'text/css; charset=utf-8', path: UPLOT.replace(/uPlot\.iife\.min\.js$/, 'uPlot.min.css') },
}

/** What dashboard.html holds where the dashboard's path goes. */
const BASE_MARK = '{{base}}'

/**
 * `/admin` (the page) and `/admin/assets/*`, read once. The page carries no inline script or
 * style, so the content security policy can forbid both. Its files and its API are where the page
 * itself is, `/mirror/admin/…` when the service is mounted under `/mirror`: the page is served
 * with that path (see `adminBase`) in its asset URLs and in `<html data-base>`, which
 * dashboard.js reads.
 */
export function adminAssets(): Hono {
  const page = readFileSync(new URL('dashboard.html', OWN), 'utf8')
  const files = new Map(Object.entries(FILES).map(([name, f]) => [name, { type: f.type, body: readFileSync(f.path) }]))
  const app = new Hono()
  app.get('/', (c) => {
    const base = adminBase(c)
    // Validated, not escaped: the base holds nothing HTML gives a meaning to.
    return base === undefined ? refuseUnsafeBase(c) : c.html(page.replaceAll(BASE_MARK, base))
  })
  app.get('/assets/:name', (c) => {
    const file = files.get(c.req.param('name'))
    if (!file) return c.notFound()
    return c.body(file.body, 200, { 'content-type': file.type, 'cache-control': 'private, max-age=300' })
  })
  return app
}
