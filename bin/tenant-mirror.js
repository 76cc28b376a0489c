#!/usr/bin/env node
// Runs the TypeScript sources directly where Node can (a checkout on Node >= 22.18), so that
// `npx tenant-mirror` and `npm start` need no build; an installed package runs its dist/.
import { existsSync } from 'node:fs'

const source = new URL('../src/adapters/cli/main.ts', import.meta.url)
const built = new URL('../dist/adapters/cli/main.js', import.meta.url)
if (process.features.typescript && existsSync(source)) await import(source.href)
else if (existsSync(built)) await import(built.href)
else {
  process.stderr.write('tenant-mirror: no build found; run `npm run build` (or use Node >= 22.18)\n')
  process.exit(1)
}
