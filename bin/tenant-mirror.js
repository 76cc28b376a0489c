#!/usr/bin/env -S node --max-semi-space-size=8 --max-old-space-size=512 --initial-old-space-size=64
// V8 sizes its heap by the machine's memory: tens of MB per semi-space, and an old generation
// that may grow to gigabytes and, on a host that allows 2 GB or more, is let grow to 4 times
// what the last full collection kept before the next one (1.3 times at 256 MB, 1.4 at 512). The
// calls' garbage then held the service far above its live data (about 50 MB). 8 MB semi-spaces
// and a 512 MB ceiling keep the service under 256 MB RSS with 50 tenants loading at once or 10 MB
// calls (npm run bench; 250-300 MB without the ceiling); 8 rather than 4 MB lets a call's data
// die young while the next call is read (full loads into PostgreSQL and MariaDB 6-14 % faster,
// a few MB more RSS); 512 MB leaves room for the most the in-flight budget lets calls hold,
// which `serve` checks at start (heap-room.ts). The 64 MB floor: with one tenant's load (about
// 26 MB live) the 1.1-1.4 growth let the heap grow 3-8 MB between full collections, one every
// 10-20 RowData calls, each marking the whole heap on V8's helper threads (a fifth of the
// service's CPU in a full load into PostgreSQL); with the floor a 1,000,000-row load has one.
// Past about 50 MB live (many tenants at once) the floor is below the growth and changes nothing.
// The floor goes with V8's allocation-site pretenuring turned off, which the CLI does itself
// (src/adapters/cli/collector-settings.ts): this line stays under the 127 bytes older kernels read.
// Started as `node bin/tenant-mirror.js`, pass the flags yourself.
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
