import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const MODULE = new URL('../../../src/adapters/cli/fatal-errors.ts', import.meta.url).pathname

/** Runs a script that installs the policy and then fails as given, outside any handler. */
function runFailing(failure: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'tm-fatal-')), 'fail.ts')
  writeFileSync(
    file,
    `import { exitOnUnexpectedErrors } from '${MODULE}'\nexitOnUnexpectedErrors()\nsetTimeout(() => { ${failure} }, 10)\nsetTimeout(() => console.log('still running'), 2000)\n`,
  )
  return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 10_000 })
}

describe('an error nothing handled', () => {
  it.each([
    ['a thrown exception', "throw new Error('lost postgres://mirror:s3cret@db.example/x')", 'uncaughtException'],
    [
      'a rejected promise',
      "void Promise.reject(new Error('lost postgres://mirror:s3cret@db.example/x'))",
      'unhandledRejection',
    ],
  ])('%s: one JSON line with a reference, secrets masked, exit 70', (_, failure, kind) => {
    const run = runFailing(failure)
    expect(run.status).toBe(70)
    expect(run.stdout).not.toContain('still running')
    const line = JSON.parse(run.stderr.trim().split('\n').at(-1)!)
    expect(line).toMatchObject({ level: 'fatal', kind, err: { type: 'Error' } })
    expect(line.reference).toMatch(/^[0-9a-f]{8}$/)
    expect(line.err.message).toBe('lost postgres://mirror:***@db.example/x')
    expect(run.stderr).not.toContain('s3cret')
  })
})
