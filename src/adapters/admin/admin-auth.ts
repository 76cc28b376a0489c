import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, Next } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'

export const ADMIN_COOKIE = 'tenant_mirror_admin'

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * The admin token guards the dashboard and its API: `Authorization: Bearer <token>` for API
 * clients, or a cookie that `/admin?token=<token>` sets once for a browser (HttpOnly, SameSite
 * Strict) before redirecting to a URL without the token. Compared in constant time.
 */
export function adminAuth(token: string) {
  const expected = digest(token)
  const matches = (given: string | undefined) => given !== undefined && timingSafeEqual(digest(given), expected)
  return async (c: Context, next: Next) => {
    const query = c.req.query('token')
    if (c.req.method === 'GET' && query !== undefined && matches(query)) {
      setCookie(c, ADMIN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/admin' })
      const url = new URL(c.req.url)
      url.searchParams.delete('token')
      return c.redirect(`${url.pathname}${url.search}`, 303)
    }
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1]
    if (matches(bearer) || matches(getCookie(c, ADMIN_COOKIE))) return next()
    return c.json({ error: 'admin token required' }, 401, { 'www-authenticate': 'Bearer' })
  }
}
