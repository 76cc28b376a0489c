import { chmodSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Every directory and file under `root` (itself included) whose mode is not the private one. */
export function notPrivate(root: string): string[] {
  const wrong: string[] = []
  const visit = (path: string) => {
    const stat = statSync(path)
    const mode = stat.mode & 0o777
    if (stat.isDirectory()) {
      if (mode !== 0o700) wrong.push(`${path} ${mode.toString(8)}`)
      for (const entry of readdirSync(path)) visit(join(path, entry))
    } else if (mode !== 0o600) wrong.push(`${path} ${mode.toString(8)}`)
  }
  visit(root)
  return wrong
}

/** How many directories and files there are under `root`, itself included. */
export function countEntries(root: string): number {
  let n = 1
  if (statSync(root).isDirectory()) for (const entry of readdirSync(root)) n += countEntries(join(root, entry))
  return n
}

/** Directories 0755 and files 0644 under `root`, itself included: what older versions left. */
export function openUp(root: string): void {
  const stat = statSync(root)
  chmodSync(root, stat.isDirectory() ? 0o755 : 0o644)
  if (stat.isDirectory()) for (const entry of readdirSync(root)) openUp(join(root, entry))
}
