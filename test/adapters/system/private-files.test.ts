import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  privateDir,
  privateFile,
  tightenIfPresent,
  writePrivateFile,
} from '../../../src/adapters/system/private-files.ts'

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)
const previous = process.umask()
const dirs: string[] = []
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-private-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  process.umask(previous)
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('private files', () => {
  it.each(['022', '000'])('makes directories 0700 and files 0600 under umask %s', (umask) => {
    process.umask(umask)
    const root = scratch()
    privateDir(join(root, 'a', 'b'))
    privateFile(join(root, 'a', 'b', 'mirror.sqlite'))
    writePrivateFile(join(root, 'a', 'token'), 'secret\n')
    expect([
      mode(join(root, 'a')),
      mode(join(root, 'a', 'b')),
      mode(join(root, 'a', 'b', 'mirror.sqlite')),
      mode(join(root, 'a', 'token')),
    ]).toEqual(['700', '700', '600', '600'])
  })

  it('tightens what an older version left open, and leaves a symbolic link and its target alone', () => {
    const root = scratch()
    mkdirSync(join(root, 'keys'))
    chmodSync(join(root, 'keys'), 0o755)
    writeFileSync(join(root, 'keys', 'public.pem'), 'key')
    chmodSync(join(root, 'keys', 'public.pem'), 0o644)
    const elsewhere = join(scratch(), 'shared.pem')
    writeFileSync(elsewhere, 'shared')
    chmodSync(elsewhere, 0o644)
    symlinkSync(elsewhere, join(root, 'link.pem'))
    for (const path of ['keys', 'keys/public.pem', 'link.pem', 'missing']) tightenIfPresent(join(root, path))
    expect([mode(join(root, 'keys')), mode(join(root, 'keys', 'public.pem')), mode(elsewhere)]).toEqual([
      '700',
      '600',
      '644',
    ])
  })
})
