#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size: V8 sizes the young generation by the machine's memory (tens of MB per
// semi-space on a large host), and the service's RowData garbage then holds RSS far above its
// live data. 4 MB semi-spaces cost no measured throughput and keep the service near 200 MB
// (npm run bench). Started as `node bin/tenant-mirror.js`, pass the flag yourself.
// Runs the TypeScript sources directly where Node can (a checkout on Node >= 22.18), so that
// `npx tenant-mirror` and `npm start` need no build; an installed package runs its dist/.
import { existsSync } from 'node:fs'
// Only Node built-ins so far: on a Node older than 22 this re-executes under Node 24 (or
// exits 1 saying why) before the service and its native modules load.
import { ensureNode } from './node-version.js'

await ensureNode()
const source = new URL('../src/adapters/cli/main.ts', import.meta.url)
const built = new URL('../dist/adapters/cli/main.js', import.meta.url)
if (process.features.typescript && existsSync(source)) await import(source.href)
else if (existsSync(built)) await import(built.href)
else {
  process.stderr.write('tenant-mirror: no build found; run `npm run build` (or use Node >= 22.18)\n')
  process.exit(1)
}
