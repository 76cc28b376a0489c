import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Every relative link in the README and docs/ names a file that exists, and every #anchor a
 * heading of that file: the references moved out of the README once, and links broke silently.
 */

const ROOT = new URL('../..', import.meta.url).pathname
const documents = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'), { recursive: true })
    .map((name) => join(ROOT, 'docs', String(name)))
    .filter((file) => file.endsWith('.md')),
]

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-')

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '')
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)))
}

function linksOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '')
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/i.test(target))
}

describe('links in the README and docs/', () => {
  it('finds the documents and their links (so that an empty walk cannot pass)', () => {
    expect(documents.length).toBeGreaterThan(10)
    expect(documents.flatMap(linksOf).length).toBeGreaterThan(30)
  })

  it.each(documents.map((file) => [relative(ROOT, file), file]))('%s: every relative link resolves', (_, file) => {
    const broken: string[] = []
    for (const link of linksOf(file)) {
      const [path, anchor] = link.split('#') as [string, string | undefined]
      const target = path === '' ? file : join(dirname(file), decodeURIComponent(path))
      if (!existsSync(target)) {
        broken.push(`${link}: no such file`)
        continue
      }
      if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
        broken.push(`${link}: no heading #${anchor}`)
      }
    }
    expect(broken).toEqual([])
  })
})
