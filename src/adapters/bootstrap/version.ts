import { readFileSync } from 'node:fs'

// Read at run time: package.json sits outside the compiled tree, one level above src/ and dist/.
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }

export const VERSION: string = pkg.version
/** Reported as SuperOfficeMirroringBuild in Authenticate replies. */
export const BUILD = `tenant-mirror/${VERSION}`
