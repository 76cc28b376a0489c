import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { authenticateCall } from 'tenant-mirror/testing'

/**
 * Starts main.ts as a deployment would (`node main.ts`), waits for its URL, calls the app's own
 * route and the mounted service, the dashboard under the prefix included, then stops it with
 * SIGTERM. Exits 0 when all of it held.
 */
const ADMIN_TOKEN = 'hono-mount-check-admin-token'
const main = spawn(process.execPath, ['main.ts'], {
  cwd: import.meta.dirname,
  env: { ...process.env, PORT: '0', ADMIN_TOKEN },
  stdio: ['ignore', 'pipe', 'inherit'],
})
const exited = once(main, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
let stopping = false

function fail(message: string): never {
  console.error(`check failed: ${message}`)
  main.kill('SIGKILL')
  process.exit(1)
}

const url = await new Promise<string>((resolve) => {
  let seen = ''
  const timer = setTimeout(() => fail(`no URL from main.ts within 20 s; it printed: ${seen}`), 20_000)
  main.stdout.setEncoding('utf8')
  main.stdout.on('data', (chunk: string) => {
    seen += chunk
    for (const line of chunk.split('\n').filter(Boolean)) console.log(`main.ts: ${line}`)
    const found = /listening on (http:\/\/\S+)/.exec(seen)
    if (found) {
      clearTimeout(timer)
      resolve(found[1]!)
    }
  })
  void exited.then(([code]) => stopping || fail(`main.ts exited with ${code} before it was stopped`))
})

const home = await fetch(`${url}/`)
if (home.status !== 200) fail(`/ answered ${home.status}`)
console.log(`GET /: ${home.status}`)

const hello = await fetch(`${url}/api/hello`)
const greeting = (await hello.json()) as { hello?: string }
if (hello.status !== 200 || greeting.hello !== 'world') fail(`/api/hello answered ${hello.status}`)
console.log(`GET /api/hello: ${hello.status}`)

const health = await fetch(`${url}/mirror/healthz`)
if (health.status !== 200) fail(`/mirror/healthz answered ${health.status}`)
console.log(`GET /mirror/healthz: ${health.status}`)

// Authenticate with a token SuperOffice did not sign: the service answers it in SOAP, with
// IsSuccessful=false (a SuperOffice-signed token would be answered with the signed nonce).
const call = authenticateCall('not-a-signed-token')
const soap = await fetch(`${url}/mirror/MirroringClientService.svc`, {
  method: 'POST',
  headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
  body: call.body,
})
const reply = await soap.text()
if (!/<(\w+:)?Envelope[\s>]/.test(reply) || !reply.includes('AuthenticateResponse')) {
  fail(`the SOAP endpoint answered ${soap.status}: ${reply.slice(0, 200)}`)
}
if (!/IsSuccessful>false</.test(reply)) fail('an unsigned token was accepted')
console.log(`POST /mirror/MirroringClientService.svc: ${soap.status} AuthenticateResponse, IsSuccessful=false`)

// The dashboard under the prefix: the login sets a cookie for /mirror/admin and redirects there,
// the page loads its files from /mirror/admin/assets/, and its API answers at /mirror/admin/api.
const login = await fetch(`${url}/mirror/admin?token=${ADMIN_TOKEN}`, { redirect: 'manual' })
const setCookie = login.headers.get('set-cookie') ?? ''
if (login.status !== 303 || login.headers.get('location') !== '/mirror/admin') {
  fail(`/mirror/admin?token= answered ${login.status}, to ${login.headers.get('location')}`)
}
if (!/;\s*Path=\/mirror\/admin(;|$)/i.test(setCookie)) fail(`the session cookie is not for /mirror/admin: ${setCookie}`)
const cookie = setCookie.split(';')[0]!
console.log(`GET /mirror/admin?token=…: ${login.status}, cookie Path=/mirror/admin`)

const page = await fetch(`${url}/mirror/admin`, { headers: { cookie } })
const html = await page.text()
const assets = [...html.matchAll(/<(?:link rel="stylesheet" href|script src)="([^"]+)"/g)].map((m) => m[1]!)
if (page.status !== 200 || assets.length === 0)
  fail(`/mirror/admin answered ${page.status} with ${assets.length} files`)
const astray = assets.filter((a) => !a.startsWith('/mirror/admin/assets/'))
if (astray.length > 0) fail(`the page loads files outside /mirror/admin/assets/: ${astray.join(', ')}`)
for (const asset of assets) {
  const file = await fetch(`${url}${asset}`, { headers: { cookie } })
  if (file.status !== 200) fail(`${asset} answered ${file.status}`)
}
console.log(`GET /mirror/admin: ${page.status}, ${assets.length} files under /mirror/admin/assets/`)

for (const [how, headers] of [
  ['cookie', { cookie }],
  ['bearer', { authorization: `Bearer ${ADMIN_TOKEN}` }],
] as const) {
  const tenants = await fetch(`${url}/mirror/admin/api/tenants`, { headers })
  const type = tenants.headers.get('content-type') ?? ''
  if (tenants.status !== 200 || !type.startsWith('application/json') || !Array.isArray(await tenants.json())) {
    fail(`/mirror/admin/api/tenants with the ${how} answered ${tenants.status} ${type}`)
  }
  console.log(`GET /mirror/admin/api/tenants (${how}): ${tenants.status} JSON`)
}

stopping = true
main.kill('SIGTERM')
const [code, signal] = await exited
console.log(`main.ts exited with ${code ?? signal}`)
process.exit(code === 0 ? 0 : 1)
