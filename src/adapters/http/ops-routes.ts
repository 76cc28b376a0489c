import { Hono } from 'hono'
import type { ServiceMetrics } from '../admin/service-metrics.ts'
import type { Readiness } from './readiness.ts'

/**
 * `/readyz` and `/metrics`, for the load balancer, the orchestrator and Prometheus. Readiness
 * turns 503 while the service shuts down and while the mirror server or the state store does
 * not answer, naming which (without credentials), so that a balancer sends calls elsewhere.
 */
export function opsRoutes(metrics: ServiceMetrics, readiness: Readiness): Hono {
  const app = new Hono()
  app.get('/readyz', async (c) => {
    if (!metrics.ready) return c.json({ status: 'shutting down' }, 503)
    const problems = await readiness.problems()
    return problems.length === 0 ? c.json({ status: 'ready' }) : c.json({ status: 'not ready', problems }, 503)
  })
  app.get('/metrics', async (c) => c.body(await metrics.text(), 200, { 'content-type': metrics.contentType }))
  return app
}
