import { execFile } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { ServiceChild } from '../chaos/support/service-child.ts'
import { batch, peopleTable, rowDataCall, tableSchemaCall } from '../support/envelopes.ts'
import { countEntries, notPrivate } from '../support/file-modes.ts'
import { federatedPublicPem, testKeys } from '../support/test-keys.ts'
import { TEST_CLIENT_ID } from '../support/tokens.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/tenant-mirror.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'tm-modes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The bin under umask 000: whatever it leaves readable by others, it made so itself. */
function underOpenUmask(args: readonly string[]) {
  return run('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, BIN, ...args])
}

describe('files the service writes are its own: directories 0700, files 0600, whatever the umask', () => {
  it('keys generate', async () => {
    await underOpenUmask(['keys', 'generate', '--out', join(dir, 'keys')])
    await underOpenUmask(['keys', 'generate', '--federated', '--out', join(dir, 'keys')])
    expect(countEntries(join(dir, 'keys'))).toBe(6)
    expect(notPrivate(join(dir, 'keys'))).toEqual([])
  })

  it('serve with its SQLite mirrors, a directory made by an older version tightened', async () => {
    const data = join(dir, 'serve-data')
    const privateKey = join(dir, 'partner.pem')
    const federated = join(dir, 'federated.pem')
    writeFileSync(privateKey, testKeys().partnerPrivate.export({ type: 'pkcs8', format: 'pem' }) as string, {
      mode: 0o600,
    })
    writeFileSync(federated, await federatedPublicPem(), { mode: 0o600 })
    const args = [
      '--database',
      `sqlite:${join(data, 'mirrors')}`,
      '--client-id',
      TEST_CLIENT_ID,
      '--private-key',
      privateKey,
      '--federated-cert',
      federated,
      '--log-level',
      'error',
    ]
    const child = await ServiceChild.start({ args, umask: '000' })
    try {
      const table = peopleTable()
      for (const call of [
        await tableSchemaCall([table]),
        await rowDataCall([batch(table, 5, [['[I:1]', 'Ann', null]])]),
      ]) {
        const response = await fetch(child.url, {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
          body: call.body,
        })
        expect(await response.text()).toContain('<IsSuccessful>true</IsSuccessful>')
      }
    } finally {
      await child.stop()
    }
    // mirrors/, the mirror database and its WAL files, all made by serve.
    expect(countEntries(data)).toBeGreaterThanOrEqual(3)
    expect(notPrivate(join(data, 'mirrors'))).toEqual([])

    // The same directory left 0755 by an older version, with a 0644 mirror in it: tightened at start.
    chmodSync(join(data, 'mirrors'), 0o755)
    chmodSync(join(data, 'mirrors', 'Mirror_Cust12345.sqlite'), 0o644)
    const again = await ServiceChild.start({ args, umask: '000' })
    try {
      const call = await tableSchemaCall([peopleTable()])
      await fetch(again.url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
        body: call.body,
      })
    } finally {
      await again.stop()
    }
    expect(notPrivate(join(data, 'mirrors'))).toEqual([])
  })
})
