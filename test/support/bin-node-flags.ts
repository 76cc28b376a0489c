import { readFileSync } from 'node:fs'

export const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname

/**
 * The V8 flags bin/tenant-mirror.js's shebang line starts node with: harnesses that run
 * `node <flags> bin/tenant-mirror.js` take them from there, so they start the service as the bin,
 * the image and the unit do (the deploy-kit test holds those to the same line).
 */
export const BIN_NODE_FLAGS: readonly string[] = readFileSync(BIN, 'utf8')
  .split('\n')[0]!
  .split(/\s+/)
  .filter((word) => word.startsWith('--'))
