import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'

export const ADMIN_COOKIE = 'tenant_mirror_session'
/** How long a browser stays logged in after `/admin?token=…`. */
export const SESSION_SECONDS = 12 * 3600

/**
 * The browser's session: an expiry and its HMAC, keyed by the admin token, so that the cookie
 * never holds the token itself, ends by itself, and ends for everyone when the token changes.
 */
export class AdminSessions {
  readonly #key: Buffer
  readonly #now: () => number

  constructor(token: string, now: () => number = Date.now) {
    this.#key = createHash('sha256').update(`tenant-mirror admin session\u0000${token}`).digest()
    this.#now = now
  }

  /**
   * Sets the cookie for the dashboard at `base` (`/admin`, or `/mirror/admin` under a prefix; see
   * `adminBase`), so that the browser sends it to the page and its API there and nowhere else.
   */
  open(c: Context, base: string): void {
    const expires = Math.floor(this.#now() / 1000) + SESSION_SECONDS
    setCookie(c, ADMIN_COOKIE, `${expires}.${this.#sign(expires)}`, {
      httpOnly: true,
      sameSite: 'Strict',
      path: base || '/',
      maxAge: SESSION_SECONDS,
      // Behind a proxy that ends TLS the request itself is plain HTTP; its header says otherwise.
      secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
    })
  }

  valid(c: Context): boolean {
    const value = getCookie(c, ADMIN_COOKIE)
    const match = value === undefined ? null : /^(\d{1,12})\.([0-9a-f]{64})$/.exec(value)
    if (!match) return false
    const expires = Number(match[1])
    if (expires * 1000 <= this.#now()) return false
    return timingSafeEqual(Buffer.from(match[2]!, 'hex'), Buffer.from(this.#sign(expires), 'hex'))
  }

  /** Ends the session of the dashboard at `base`: the cookie is only removed with the path it was set with. */
  close(c: Context, base: string): void {
    deleteCookie(c, ADMIN_COOKIE, { path: base || '/' })
  }

  #sign(expires: number): string {
    return createHmac('sha256', this.#key).update(String(expires)).digest('hex')
  }
}
