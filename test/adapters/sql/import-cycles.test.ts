import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/** `import … from`, `export … from`, `import type …` and `import('…')`: every edge counts, types and lazy loads too. */
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => resolve(dir, name))
}

/**
 * The import loops that pass through the files under `roots`: the strongly connected parts
 * (Tarjan) of the graph of relative imports reachable from them, each a list of files.
 */
function importCycles(roots: readonly string[]): string[][] {
  const edges = new Map<string, string[]>()
  const visit = (file: string) => {
    if (edges.has(file)) return
    const targets: string[] = []
    edges.set(file, targets)
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      return
    }
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!
      if (specifier.startsWith('.')) targets.push(resolve(dirname(file), specifier))
    }
    for (const target of targets) visit(target)
  }
  const files = roots.flatMap(tsFilesUnder)
  for (const file of files) visit(file)

  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const cycles: string[][] = []
  const connect = (file: string) => {
    index.set(file, index.size)
    low.set(file, index.get(file)!)
    stack.push(file)
    for (const target of edges.get(file) ?? []) {
      if (!index.has(target)) {
        connect(target)
        low.set(file, Math.min(low.get(file)!, low.get(target)!))
      } else if (stack.includes(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!))
      }
    }
    if (low.get(file) !== index.get(file)) return
    const part = stack.splice(stack.indexOf(file))
    const looped = part.length > 1 || (edges.get(file) ?? []).includes(file)
    if (looped && part.some((f) => files.includes(f))) cycles.push(part.sort())
  }
  for (const file of edges.keys()) if (!index.has(file)) connect(file)
  return cycles
}

describe('import loops', () => {
  it('finds a loop through a type import or a lazy import, and none in a chain', () => {
    const root = mkdtempSync(join(tmpdir(), 'tm-cycles-'))
    const write = (name: string, text: string) => {
      mkdirSync(dirname(join(root, name)), { recursive: true })
      writeFileSync(join(root, name), text)
    }
    try {
      write('a.ts', "import { b } from './b.ts'\nexport const a = b")
      write('b.ts', "import type { C } from './sub/c.ts'\nexport const b: C = 1")
      write('sub/c.ts', "export type C = number\nexport const load = () => import('../a.ts')")
      write('chain/d.ts', "export { e } from './e.ts'")
      write('chain/e.ts', 'export const e = 1')
      const found = importCycles([root]).map((cycle) => cycle.map((f) => relative(root, f)))
      expect(found).toEqual([['a.ts', 'b.ts', 'sub/c.ts']])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('has none in src/adapters/sql and src/adapters/task/sources', () => {
    const cycles = importCycles(['src/adapters/sql', 'src/adapters/task/sources'])
    expect(cycles.map((cycle) => cycle.map((f) => relative('.', f)))).toEqual([])
  })
})
