import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs'

/**
 * Files that hold secrets or tenants' data — keys, the registry with the applications' client
 * secrets, the state store, sources, mirrors — are readable by their owner only, whatever the
 * umask: directories 0700, files 0600. Modes are set explicitly, not left to the umask, because
 * integrators embed these adapters in processes whose umask they do not control; a directory or
 * file made by an older version, or by hand, is tightened when this process owns it.
 */
export const PRIVATE_DIR = 0o700
export const PRIVATE_FILE = 0o600

/** Makes the directory (and its missing parents) private; an existing one of ours is tightened. */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR })
  tighten(path, PRIVATE_DIR)
}

/**
 * Makes sure the file exists and is private before a library opens it: SQLite creates its -wal
 * and -shm files with the mode of the database file, so they follow.
 */
export function privateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE))
  tighten(path, PRIVATE_FILE)
}

export function writePrivateFile(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE })
  tighten(path, PRIVATE_FILE)
}

/** Tightens a directory or file an older version left open, if it is there; a symbolic link is left alone. */
export function tightenIfPresent(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false })
  if (stat?.isDirectory()) tighten(path, PRIVATE_DIR)
  else if (stat?.isFile()) tighten(path, PRIVATE_FILE)
}

function tighten(path: string, mode: number): void {
  const stat = statSync(path)
  if ((stat.mode & 0o777) === mode) return
  // Someone else's directory (a shared /tmp, a mounted volume) is left as it is.
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return
  chmodSync(path, mode)
}
