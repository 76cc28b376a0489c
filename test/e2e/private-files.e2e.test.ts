import { execFile, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { generatePartnerKeys } from '../../src/adapters/crypto/key-files.ts'
import { createDemoSource } from '../../src/adapters/demo/demo-source.ts'
import { generateFederatedKeys } from '../../src/adapters/task/crypto/federated-keys.ts'
import { ServiceChild } from '../chaos/support/service-child.ts'
import { batch, type Call, peopleTable, rowDataCall, tableSchemaCall } from '../support/envelopes.ts'
import { countEntries, notPrivate, openUp } from '../support/file-modes.ts'
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

  it('serve with its default sqlite:./data mirrors, while running and after; an older 0755 directory tightened', async () => {
    const cwd = join(dir, 'serve')
    mkdirSync(cwd, { mode: 0o755 })
    const data = join(cwd, 'data')
    const privateKey = join(dir, 'partner.pem')
    const federated = join(dir, 'federated.pem')
    writeFileSync(privateKey, testKeys().partnerPrivate.export({ type: 'pkcs8', format: 'pem' }) as string, {
      mode: 0o600,
    })
    writeFileSync(federated, await federatedPublicPem(), { mode: 0o600 })
    const args = ['--client-id', TEST_CLIENT_ID, '--private-key', privateKey, '--federated-cert', federated]
    const send = async (child: ServiceChild, call: Call) => {
      const response = await fetch(child.url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${call.action}"` },
        body: call.body,
      })
      expect(await response.text()).toContain('<IsSuccessful>true</IsSuccessful>')
    }
    const child = await ServiceChild.start({ args: [...args, '--log-level', 'error'], umask: '000', cwd })
    try {
      const table = peopleTable()
      await send(child, await tableSchemaCall([table]))
      await send(child, await rowDataCall([batch(table, 5, [['[I:1]', 'Ann', null]])]))
      // The mirror is open: SQLite's WAL and shared-memory files are there, with the database's mode.
      expect(readdirSync(data)).toEqual(
        expect.arrayContaining(['Mirror_Cust12345.sqlite-wal', 'Mirror_Cust12345.sqlite-shm']),
      )
      expect(notPrivate(data)).toEqual([])
    } finally {
      await child.stop()
    }
    expect(countEntries(data)).toBeGreaterThanOrEqual(2)
    expect(notPrivate(data)).toEqual([])

    // The same directory left 0755 by an older version, with a 0644 mirror in it: tightened when opened.
    chmodSync(data, 0o755)
    chmodSync(join(data, 'Mirror_Cust12345.sqlite'), 0o644)
    const again = await ServiceChild.start({ args, umask: '000', cwd })
    try {
      await send(again, await tableSchemaCall([peopleTable()]))
      expect(notPrivate(data)).toEqual([])
    } finally {
      await again.stop()
    }
  })

  it('dev in a data directory an older version left open (0755, 0644): keys, token and source tightened', async () => {
    const data = join(dir, 'old-dev')
    generatePartnerKeys(join(data, 'keys'))
    generateFederatedKeys(join(data, 'keys'))
    writeFileSync(join(data, 'admin-token'), `${'0'.repeat(48)}\n`)
    createDemoSource(join(data, 'sources', 'Cust12345.sqlite'), { contacts: 10 })
    openUp(data)
    const args = [BIN, 'dev', '--data', data, '--port', '0', '--interval', '3600', '--size', '10']
    const dev = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise((resolve) => dev.once('exit', resolve))
    let output = ''
    for (const stream of [dev.stdout, dev.stderr]) stream.on('data', (c: Buffer) => (output += c.toString()))
    try {
      for (let i = 0; i < 300 && !output.includes('Ctrl-C stops everything'); i++) await setTimeout(100)
      expect(output).toContain('tenant-mirror is running')
    } finally {
      // Killed, not stopped: a clean stop waits for the first cycle's full load.
      dev.kill('SIGKILL')
      await exited
    }
    expect(notPrivate(data)).toEqual([])
  })
})
