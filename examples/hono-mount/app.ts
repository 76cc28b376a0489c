import { Hono } from 'hono'
import type { MirroringService } from 'tenant-mirror'

/** Where the mirroring service's routes go in this app. */
export const MIRROR_PATH = '/mirror'

/**
 * An app of one's own, with its own routes, and the mirroring service beside them: its SOAP
 * endpoint at /mirror/MirroringClientService.svc (and /mirror), /mirror/healthz,
 * /mirror/readyz and /mirror/metrics, and the dashboard at /mirror/admin with its API at
 * /mirror/admin/api.
 */
export function createApp(service: MirroringService): Hono {
  const app = new Hono()
  app.get('/', (c) => c.text('An integration with a SuperOffice mirror under /mirror.\n'))
  app.get('/api/hello', (c) => c.json({ hello: 'world' }))
  app.route(MIRROR_PATH, service.app)
  return app
}
