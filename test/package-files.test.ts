import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = new URL('../', import.meta.url).pathname

describe('the package and the repository', () => {
  it('ships the text of the MIT licence it declares', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { license: string }
    expect(pkg.license).toBe('MIT')
    const text = readFileSync(`${root}LICENSE`, 'utf8')
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the tenant-mirror authors\n/)
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND')
  })

  it('keeps the key pairs the README writes to ./keys out of git', async () => {
    // check-ignore exits 0 for an ignored path and 1 otherwise (which rejects).
    for (const path of ['keys/private.pem', 'keys/federated-private.pem', 'keys/public.xml']) {
      await expect(run('git', ['check-ignore', '--no-index', '-q', path], { cwd: root })).resolves.toBeDefined()
    }
    await expect(run('git', ['check-ignore', '--no-index', '-q', 'src/index.ts'], { cwd: root })).rejects.toThrow()
  })
})
