import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SAMPLE_CLIENT_ID, samplePath } from '../support/fixtures.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname

/** `tenant-mirror replay` says, per capture, what the service made of the call it answered. */
describe('tenant-mirror replay of calls that fail', () => {
  let dir: string
  let result: { code: number; stdout: string }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tm-replay-fail-'))
    await run(process.execPath, [BIN, 'keys', 'generate', '--out', join(dir, 'keys')])
    writeFileSync(join(dir, 'not-soap.xml'), '<Envelope><Body/></Envelope>')
    const args = [
      BIN,
      'replay',
      '--database',
      `sqlite:${join(dir, 'db')}`,
      '--superoffice-env',
      'development',
      '--client-id',
      SAMPLE_CLIENT_ID,
      '--private-key',
      join(dir, 'keys', 'private.pem'),
      // A Wipe before any TableSchema: the table is not in the mirror yet.
      samplePath('SampleWipeRequest.xml'),
      join(dir, 'not-soap.xml'),
      samplePath('SampleAuthenticateRequest.xml'),
    ]
    result = await run(process.execPath, args).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    )
  }, 60_000)

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('names the failure of a refused call, the fault of a request that is no call, and exits 1', () => {
    expect(result.stdout.trim().split('\n')).toEqual([
      'SampleWipeRequest.xml Wipe Cust24709 IsSuccessful=false table projstatusgrouplink is not in the mirror; send TableSchema first',
      'not-soap.xml Fault - IsSuccessful=false HTTP 400: request is not a SOAP 1.1 envelope',
      'SampleAuthenticateRequest.xml Authenticate Cust10003 IsSuccessful=true',
    ])
    expect(result.code).toBe(1)
  })
})
