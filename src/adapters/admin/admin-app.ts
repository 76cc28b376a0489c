import { Hono } from 'hono'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { MirrorDatabaseProvider } from '../../application/ports/mirror-database.port.ts'
import { NO_LSN } from '../../domain/changes/lsn.ts'
import { type ContextId, parseContextId } from '../../domain/handshake/context-id.ts'
import { identifierKey, identifierProblem } from '../../domain/schema/identifier.ts'
import { adminAuth } from './admin-auth.ts'
import { ADMIN_PAGE } from './admin-page.ts'
import { OPENAPI } from './openapi.ts'
import type { ServiceActivity } from './service-activity.ts'

export interface AdminDeps {
  readonly activity: ServiceActivity
  readonly mirrors: MirrorDatabaseProvider
  readonly token: string
  readonly logger: Logger
}

/**
 * The partner dashboard (`/admin`) and its JSON API (`/admin/api`), behind the admin token:
 * every tenant with its last call and cycle, per tenant its tables, and the operator's actions
 * (pause, full resync of a table or a tenant, discard a mirror). Mounted on the service's app.
 */
export function createAdminApp(deps: AdminDeps): Hono {
  const { activity, mirrors, logger } = deps
  const app = new Hono()
  app.use('*', adminAuth(deps.token))
  app.get('/', (c) => c.html(ADMIN_PAGE))
  app.get('/api/openapi.json', (c) => c.json(OPENAPI))

  app.get('/api/tenants', (c) =>
    c.json(
      activity.tenants().map((t) => ({
        contextId: t.contextId,
        paused: t.paused,
        lastCall: t.lastCall ?? null,
        lastCompletedAt: t.lastCompletedAt ?? null,
        lastError: t.lastError ?? null,
      })),
    ),
  )

  app.get('/api/tenants/:ctx', async (c) => {
    const ctx = tenantOf(c.req.param('ctx'))
    if (!ctx) return c.json({ error: 'no such tenant' }, 404)
    const mirror = await mirrors.forTenant(ctx)
    const state = await mirror.readState()
    const tables = []
    for (const t of [...state.tables.values()].sort((a, b) => (a.table < b.table ? -1 : 1))) {
      tables.push({
        table: t.table,
        lsn: t.lsn,
        rows: await mirror.countRows(t.table).catch(() => null),
        updatedAt: t.updatedAt,
        createdByMirror: t.createdByMirror,
      })
    }
    const tenant = activity.tenant(ctx)!
    return c.json({
      contextId: ctx,
      paused: tenant.paused,
      lastCall: tenant.lastCall ?? null,
      lastCompletedAt: tenant.lastCompletedAt ?? null,
      lastError: tenant.lastError ?? null,
      tables,
      schemaChanges: tenant.schemaChanges,
    })
  })

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(`/api/tenants/:ctx/${action}`, (c) => {
      const ctx = tenantOf(c.req.param('ctx'))
      if (!ctx) return c.json({ error: 'no such tenant' }, 404)
      activity.setPaused(ctx, paused)
      logger.info({ contextId: ctx, action }, `admin: tenant ${action}d`)
      return c.json({ contextId: ctx, paused })
    })
  }

  app.post('/api/tenants/:ctx/resync', async (c) => {
    const ctx = tenantOf(c.req.param('ctx'))
    if (!ctx) return c.json({ error: 'no such tenant' }, 404)
    const mirror = await mirrors.forTenant(ctx)
    const tables = [...(await mirror.readState()).tables.values()]
    for (const t of tables) await mirror.setLsn(t.table, NO_LSN)
    logger.info({ contextId: ctx, tables: tables.length }, 'admin: full resync of the tenant')
    return c.json({ contextId: ctx, resynced: tables.length })
  })

  app.post('/api/tenants/:ctx/tables/:table/resync', async (c) => {
    const ctx = tenantOf(c.req.param('ctx'))
    const table = c.req.param('table')
    if (!ctx) return c.json({ error: 'no such tenant' }, 404)
    if (identifierProblem(table)) return c.json({ error: 'not a table name' }, 400)
    const mirror = await mirrors.forTenant(ctx)
    const state = (await mirror.readState()).tables.get(identifierKey(table))
    if (!state) return c.json({ error: 'no such table' }, 404)
    await mirror.setLsn(state.table, NO_LSN)
    logger.info({ contextId: ctx, table: state.table }, 'admin: full resync of a table')
    return c.json({ contextId: ctx, table: state.table, lsn: NO_LSN })
  })

  app.delete('/api/tenants/:ctx/mirror', async (c) => {
    const ctx = tenantOf(c.req.param('ctx'))
    if (!ctx) return c.json({ error: 'no such tenant' }, 404)
    const mirror = await mirrors.forTenant(ctx)
    const tables = [...(await mirror.readState()).tables.values()].map((t) => t.table)
    await mirror.dropTables(tables)
    logger.info({ contextId: ctx, tables: tables.length }, 'admin: mirror discarded')
    return c.json({ contextId: ctx, dropped: tables.length })
  })

  /** Known tenants only: the dashboard never opens a mirror database for a name it was given. */
  function tenantOf(value: string): ContextId | undefined {
    const parsed = parseContextId(value)
    if (!parsed.ok || !activity.tenant(parsed.value)) return undefined
    return parsed.value
  }

  return app
}
