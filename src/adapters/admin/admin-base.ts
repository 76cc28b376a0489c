import type { Context } from 'hono'
import { basePath } from 'hono/route'
import { problem } from './problem.ts'

/** Path segments of letters, digits and `_ . ~ -` only, none of them `.` or `..`: safe in HTML, a cookie and a URL. */
const SAFE_BASE = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9_.~-]+)*$/

/**
 * Where the dashboard is, from the request: `/admin` when the service app is served as it is,
 * `/mirror/admin` when an integrator mounts it with `app.route('/mirror', service.app)`, `''` for
 * the admin app served on its own. Hono's `basePath` is the request's path up to the app the
 * calling handler is registered on (parameters of the mount filled in), so call it from a handler
 * of the admin app or of an app it mounts at its root. `undefined` when the path holds anything
 * but the safe characters: the page and the session cookie are then refused (see
 * `refuseUnsafeBase`), since the base goes into both.
 */
export function adminBase(c: Context): string | undefined {
  const base = basePath(c).replace(/\/+$/, '')
  return SAFE_BASE.test(base) ? base : undefined
}

/** The answer when `adminBase` finds none. */
export function refuseUnsafeBase(c: Context): Response {
  return problem(
    c,
    400,
    'unsupported dashboard path',
    'the dashboard is served under a path of letters, digits, /, _, ., ~ and - only',
  )
}
