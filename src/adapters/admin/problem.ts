import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** An RFC 9457 problem: every error of the admin API, so that clients always read JSON. */
export function problem(c: Context, status: ContentfulStatusCode, title: string, detail?: string): Response {
  return c.body(JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}) }), status, {
    'content-type': 'application/problem+json',
  })
}
