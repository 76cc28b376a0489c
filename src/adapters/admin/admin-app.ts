import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import type { Logger } from '../../application/ports/logger.port.ts'
import { type MirrorDatabaseProvider, MirrorStoreError } from '../../application/ports/mirror-database.port.ts'
import {
  type MirrorInspection,
  MirrorInspectionUnavailable,
  type MirrorInspector,
} from '../../application/ports/mirror-inspection.port.ts'
import type { ServiceState } from '../../application/ports/service-state.port.ts'
import { NO_LSN } from '../../domain/changes/lsn.ts'
import { type ContextId, parseContextId } from '../../domain/handshake/context-id.ts'
import { identifierKey, identifierProblem } from '../../domain/schema/identifier.ts'
import { adminAssets } from './admin-assets.ts'
import { adminAuth } from './admin-auth.ts'
import { adminBase, refuseUnsafeBase } from './admin-base.ts'
import { AdminSessions } from './admin-session.ts'
import { OPENAPI } from './openapi.ts'
import { problem } from './problem.ts'
import { byHealth, cycleView, errorView, tenantView } from './tenant-views.ts'

export interface AdminDeps {
  readonly state: ServiceState
  readonly mirrors: MirrorDatabaseProvider
  /**
   * Row counts and the resync's LSN reset. Without one the dashboard still works: the counts
   * show as null and a resync answers 501.
   */
  readonly inspector?: MirrorInspector | undefined
  readonly token: string
  readonly logger: Logger
  readonly now: () => number
  readonly staleAfterMs: number
}

const RECENT_CYCLES = 5

/** Only the page's own files, no inline script or style, no framing, no referrer. */
const ADMIN_HEADERS = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    objectSrc: ["'none'"],
  },
  referrerPolicy: 'no-referrer',
  xFrameOptions: 'DENY',
  xContentTypeOptions: 'nosniff',
}
const HOUR = 3_600_000

/**
 * The partner dashboard (`/admin`) and its JSON API (`/admin/api`), behind the admin token, and
 * under any prefix the service app is mounted at (`/mirror/admin`, see `adminBase`): the
 * tenants worst first, per tenant its tables, cycles, errors and schema history, figures per
 * minute for the charts, and the operator's actions (pause, full resync of a table or a tenant,
 * discard a mirror). What it shows comes from the state store every replica shares, so any
 * replica shows the same; every answer is JSON, errors as application/problem+json.
 */
export function createAdminApp(deps: AdminDeps): Hono {
  const { state, mirrors, inspector, logger, now, staleAfterMs } = deps
  const app = new Hono()
  app.onError((error, c) => {
    if (error instanceof MirrorInspectionUnavailable) return problem(c, 501, 'no mirror inspection', error.message)
    // The mirror's own refusal is safe to show (no values, no credentials) and says what to fix.
    if (error instanceof MirrorStoreError) return problem(c, 503, 'mirror database unavailable', error.message)
    const reference = randomUUID().slice(0, 8)
    logger.error(
      { reference, path: c.req.path, err: error instanceof Error ? error.message : String(error) },
      'admin: request failed',
    )
    return problem(c, 500, 'internal error', `reference ${reference}`)
  })
  app.notFound((c) => problem(c, 404, 'not found'))
  app.use('*', secureHeaders(ADMIN_HEADERS))
  const sessions = new AdminSessions(deps.token, now)
  app.use('*', adminAuth(deps.token, sessions))
  app.post('/logout', (c) => {
    const base = adminBase(c)
    if (base === undefined) return refuseUnsafeBase(c)
    sessions.close(c, base)
    return c.body(null, 204)
  })
  app.route('/', adminAssets())
  // The document names the API where this request found it: `/mirror/admin/api` under `/mirror`.
  app.get('/api/openapi.json', (c) => {
    const base = adminBase(c)
    return c.json(base === undefined ? OPENAPI : { ...OPENAPI, servers: [{ url: `${base}/api` }] })
  })

  app.get('/api/tenants', async (c) => {
    const at = now()
    const tenants = await state.tenants(at)
    const views = await Promise.all(
      tenants.map(async (t) => tenantView(t, await state.cycles(t.contextId, RECENT_CYCLES), at, staleAfterMs)),
    )
    return c.json(views.sort(byHealth))
  })

  app.get('/api/tenants/:ctx', async (c) => {
    const ctx = await tenantOf(c.req.param('ctx'))
    if (!ctx) return problem(c, 404, 'no such tenant')
    const at = now()
    const [tenant, cycles, changes, errors, activity] = await Promise.all([
      state.tenant(ctx, at),
      state.cycles(ctx, 20),
      state.schemaChanges(ctx, 100),
      state.errors({ contextId: ctx, limit: 20 }),
      state.tableActivity(ctx),
    ])
    const mirror = await mirrors.forTenant(ctx)
    const mirrorState = await mirror.readState()
    const inspection = await inspectionOf(ctx).catch(() => undefined)
    const data = new Map(activity.map((a) => [identifierKey(a.table), a]))
    const tables = []
    for (const t of [...mirrorState.tables.values()].sort((a, b) => (a.table < b.table ? -1 : 1))) {
      const written = data.get(identifierKey(t.table))
      tables.push({
        table: t.table,
        lsn: t.lsn,
        rows: inspection ? await inspection.countRows(t.table).catch(() => null) : null,
        lsnMovedAt: Date.parse(t.updatedAt) || null,
        lastDataAt: written?.lastDataAt ?? null,
        lastRows: written?.lastRows ?? null,
        createdByMirror: t.createdByMirror,
      })
    }
    return c.json({
      ...tenantView(tenant!, cycles.slice(0, RECENT_CYCLES), at, staleAfterMs),
      cycles: cycles.map(cycleView),
      errors: errors.map(errorView),
      schemaChanges: changes.map((s) => ({ at: s.at, table: s.table, change: s.change, detail: s.detail })),
      tables,
    })
  })

  app.get('/api/errors', async (c) => {
    const tenant = c.req.query('tenant')
    if (tenant !== undefined && !(await tenantOf(tenant))) return problem(c, 404, 'no such tenant')
    const limit = Math.min(500, Math.max(1, Number(c.req.query('limit') ?? 100) || 100))
    const errors = await state.errors({ ...(tenant !== undefined ? { contextId: tenant } : {}), limit })
    return c.json(errors.map(errorView))
  })

  app.get('/api/series', async (c) => {
    const tenant = c.req.query('tenant')
    if (tenant !== undefined && !(await tenantOf(tenant))) return problem(c, 404, 'no such tenant')
    const hours = Math.min(24 * 14, Math.max(1, Number(c.req.query('hours') ?? 24) || 24))
    const since = now() - hours * HOUR
    const minutes = await state.minutes({ ...(tenant !== undefined ? { contextId: tenant } : {}), since })
    const cycles = tenant === undefined ? [] : await state.cycles(tenant, 500)
    return c.json({
      since,
      minutes,
      cycles: cycles.filter((cycle) => cycle.endedAt >= since).map(cycleView),
    })
  })

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(`/api/tenants/:ctx/${action}`, async (c) => {
      const ctx = await tenantOf(c.req.param('ctx'))
      if (!ctx) return problem(c, 404, 'no such tenant')
      await state.setPaused(ctx, paused, now())
      logger.info({ contextId: ctx, action }, `admin: tenant ${action}d`)
      return c.json({ contextId: ctx, paused })
    })
  }

  app.post('/api/tenants/:ctx/resync', async (c) => {
    const ctx = await tenantOf(c.req.param('ctx'))
    if (!ctx) return problem(c, 404, 'no such tenant')
    const inspection = await inspectionOf(ctx)
    const mirror = await mirrors.forTenant(ctx)
    const tables = [...(await mirror.readState()).tables.values()]
    for (const t of tables) await inspection.setLsn(t.table, NO_LSN)
    logger.info({ contextId: ctx, tables: tables.length }, 'admin: full resync of the tenant')
    return c.json({ contextId: ctx, resynced: tables.length })
  })

  app.post('/api/tenants/:ctx/tables/:table/resync', async (c) => {
    const ctx = await tenantOf(c.req.param('ctx'))
    const table = c.req.param('table')
    if (!ctx) return problem(c, 404, 'no such tenant')
    if (identifierProblem(table)) return problem(c, 400, 'not a table name')
    const inspection = await inspectionOf(ctx)
    const mirror = await mirrors.forTenant(ctx)
    const stored = (await mirror.readState()).tables.get(identifierKey(table))
    if (!stored) return problem(c, 404, 'no such table')
    await inspection.setLsn(stored.table, NO_LSN)
    logger.info({ contextId: ctx, table: stored.table }, 'admin: full resync of a table')
    return c.json({ contextId: ctx, table: stored.table, lsn: NO_LSN })
  })

  app.delete('/api/tenants/:ctx/mirror', async (c) => {
    const ctx = await tenantOf(c.req.param('ctx'))
    if (!ctx) return problem(c, 404, 'no such tenant')
    const mirror = await mirrors.forTenant(ctx)
    const tables = [...(await mirror.readState()).tables.values()].map((t) => t.table)
    await mirror.dropTables(tables)
    logger.info({ contextId: ctx, tables: tables.length }, 'admin: mirror discarded')
    return c.json({ contextId: ctx, dropped: tables.length })
  })

  /** The tenant's inspection; without an inspector the request ends in 501 (see onError). */
  async function inspectionOf(ctx: ContextId): Promise<MirrorInspection> {
    if (!inspector) throw new MirrorInspectionUnavailable()
    return inspector.inspect(ctx)
  }

  /** Known tenants only: the dashboard never opens a mirror database for a name it was given. */
  async function tenantOf(value: string): Promise<ContextId | undefined> {
    const parsed = parseContextId(value)
    if (!parsed.ok || !(await state.tenant(parsed.value, now()))) return undefined
    return parsed.value
  }

  return app
}
