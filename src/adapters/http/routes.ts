import type { Hono } from 'hono'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { ServiceMetrics } from '../admin/service-metrics.ts'
import { registerBudgetMetrics } from './budget-metrics.ts'
import { createHttpApp, type HttpOptions } from './create-http-app.ts'
import type { MirroringUseCases } from './mirroring-use-cases.ts'
import { opsRoutes } from './ops-routes.ts'
import type { Readiness } from './readiness.ts'

/** The pieces the client service's HTTP surface is made of, built by the composition root. */
export interface ServiceRoutes {
  readonly useCases: MirroringUseCases
  readonly logger: Logger
  /** The SOAP endpoint's path, limits, in-flight budget and call observer. */
  readonly soap: HttpOptions
  readonly metrics: ServiceMetrics
  readonly readiness: Readiness
  /** The dashboard and its API, mounted at `/admin`; absent when no admin token is configured. */
  readonly admin?: Hono
}

/**
 * Every route of the client service on one app: the SOAP endpoint and `/healthz`, `/readyz`,
 * `/metrics`, and `/admin` when there is one. They share the SOAP app's error handler, so a
 * route that throws still answers a SOAP Fault and is logged. `/metrics` shows the in-flight
 * budget and the readiness `/readyz` answers with.
 */
export function createServiceApp(routes: ServiceRoutes): Hono {
  const { metrics, readiness } = routes
  registerBudgetMetrics(metrics.registry, routes.soap.budget)
  metrics.readinessFrom(() => readiness.problems())
  const app = createHttpApp(routes.useCases, routes.logger, routes.soap)
  app.route('/', opsRoutes(metrics, readiness))
  if (routes.admin) app.route('/admin', routes.admin)
  return app
}
