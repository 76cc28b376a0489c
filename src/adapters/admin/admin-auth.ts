import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, Next } from 'hono'
import { adminBase, refuseUnsafeBase } from './admin-base.ts'
import type { AdminSessions } from './admin-session.ts'
import { problem } from './problem.ts'

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * The admin token guards the dashboard and its API: `Authorization: Bearer <token>` for API
 * clients (the scheme in any case, RFC 7235), or a session cookie that `/admin?token=<token>`
 * sets once for a browser (HttpOnly, SameSite Strict, expiring, not the token itself, for the
 * dashboard's path: `/mirror/admin` when the service is mounted under `/mirror`) before
 * redirecting to the same URL without the token.
 * Compared in constant time. A request that changes something on the strength of the cookie
 * must come from the dashboard's own page: browsers send cookies with cross-origin form posts,
 * and SameSite does not stop another port of the same host.
 */
export function adminAuth(token: string, sessions: AdminSessions) {
  const expected = digest(token)
  const matches = (given: string | undefined) => given !== undefined && timingSafeEqual(digest(given), expected)
  return async (c: Context, next: Next) => {
    const query = c.req.query('token')
    if (c.req.method === 'GET' && query !== undefined && matches(query)) {
      const base = adminBase(c)
      if (base === undefined) return refuseUnsafeBase(c)
      sessions.open(c, base)
      // The same path, prefix and all (the request's own), without the token.
      const url = new URL(c.req.url)
      url.searchParams.delete('token')
      return c.redirect(`${url.pathname}${url.search}`, 303)
    }
    const bearer = /^Bearer +(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1]
    if (matches(bearer)) return next()
    if (!sessions.valid(c)) {
      c.header('www-authenticate', 'Bearer')
      return problem(c, 401, 'admin token required', 'send Authorization: Bearer <token>, or open /admin?token=<token>')
    }
    if (!SAFE_METHODS.has(c.req.method) && !fromOwnPage(c)) {
      return problem(c, 403, 'cross-origin request refused', 'use the dashboard, or the Authorization header')
    }
    return next()
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The browser says the request comes from this origin: `Sec-Fetch-Site: same-origin`, or for
 * browsers without it an `Origin` whose host is this request's (the scheme may differ behind a
 * proxy that ends TLS). A request with neither is not taken from a cookie alone.
 */
function fromOwnPage(c: Context): boolean {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined) return site === 'same-origin'
  const origin = c.req.header('origin')
  if (!origin) return false
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host)
  } catch {
    return false
  }
}
