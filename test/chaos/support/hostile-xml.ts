import { NS } from '../../../src/adapters/soap/namespaces.ts'

/**
 * Text surgery on valid envelopes (as test/support/envelopes.ts writes them: compact, the
 * data-contract members under the `a:` prefix, the arrays under `b:`).
 */

/** The first `count` bytes of the UTF-8 body: a cut anywhere but the end leaves the root unclosed. */
export function truncate(body: string, at: number): Uint8Array {
  const bytes = Buffer.from(body)
  return bytes.subarray(0, Math.min(bytes.length - 1, Math.floor(at * bytes.length)))
}

/** XORs bytes at the given relative positions with non-zero masks. */
export function flipBytes(body: string, flips: readonly { at: number; mask: number }[]): Uint8Array {
  const bytes = Uint8Array.from(Buffer.from(body))
  for (const { at, mask } of flips) {
    const i = Math.min(bytes.length - 1, Math.floor(at * bytes.length))
    bytes[i] = bytes[i]! ^ (mask & 0xff || 1)
  }
  return bytes
}

/** Removes the n-th (modulo their count) closing or opening tag: the document is no longer well-formed. */
export function dropTag(body: string, which: 'close' | 'open', n: number): string {
  const pattern = which === 'close' ? /<\/[^>]+>/g : /<[A-Za-z][^>]*[^/]>|<[A-Za-z]>/g
  const matches = [...body.matchAll(pattern)]
  const match = matches[n % matches.length]!
  return body.slice(0, match.index) + body.slice(match.index + match[0].length)
}

/** Inserts raw bytes (invalid UTF-8) at a relative position. */
export function insertBytes(body: string, at: number, bytes: readonly number[]): Uint8Array {
  const text = Buffer.from(body)
  const i = Math.floor(at * text.length)
  return Buffer.concat([text.subarray(0, i), Buffer.from(bytes), text.subarray(i)])
}

/** Inserts `xml` right after the first occurrence of `after` (or before the body's end when absent). */
export function insertAfter(body: string, after: string, xml: string): string {
  const i = body.indexOf(after)
  if (i < 0) return body.replace('</s:Body>', `${xml}</s:Body>`)
  return body.slice(0, i + after.length) + xml + body.slice(i + after.length)
}

/** `depth` nested elements, closed or (unclosed) left open. */
export function nesting(depth: number, name: string, closed: boolean): string {
  return `<${name}>`.repeat(depth) + (closed ? `</${name}>`.repeat(depth) : '')
}

/** Moves the data-contract prefix `a:` to another namespace. */
export function swapContractNamespace(body: string, ns: string): string {
  return body.replaceAll(`xmlns:a="${NS.contract}"`, `xmlns:a="${escapeAttribute(ns)}"`)
}

/** Puts the first `<a:item>` element, and its end tag, into namespace `ns`. */
export function foreignItem(body: string, item: string, ns: string): string {
  const open = body.indexOf(`<a:${item}>`)
  if (open < 0) return body
  const close = body.indexOf(`</a:${item}>`, open)
  return (
    body.slice(0, open) +
    `<x:${item} xmlns:x="${escapeAttribute(ns)}">` +
    body.slice(open + item.length + 4, close) +
    `</x:${item}>` +
    body.slice(close + item.length + 5)
  )
}

/** Puts the operation element (`<XRequest xmlns="…">`) into namespace `ns`. */
export function operationNamespace(body: string, ns: string): string {
  return body.replace(`Request xmlns="${NS.mirroring}"`, `Request xmlns="${escapeAttribute(ns)}"`)
}

/** Renames the operation element, start and end tag. */
export function renameOperation(body: string, name: string): string {
  return body
    .replace(/<(\w+)Request xmlns=/, `<${name} xmlns=`)
    .replace(/<\/(\w+)Request><\/s:Body>/, `</${name}></s:Body>`)
}

/** The same envelope as SOAP 1.2. */
export function soap12(body: string): string {
  return body.replaceAll(`xmlns:s="${NS.soap}"`, `xmlns:s="${NS.soap12}"`)
}

/** The SignedToken header in another namespace (mustUnderstand kept or dropped). */
export function tokenHeaderNamespace(body: string, ns: string, keepMustUnderstand: boolean): string {
  const moved = body.replace(`xmlns:h="${NS.mirroring}"`, `xmlns:h="${escapeAttribute(ns)}"`)
  return keepMustUnderstand ? moved : moved.replace(' s:mustUnderstand="1"', '')
}

export function withoutHeader(body: string): string {
  return body.replace(/<s:Header>.*?<\/s:Header>/s, '')
}

function escapeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;')
}

/** DOCTYPE and entity attacks: the prolog to put before the envelope, and a reference to put in ClientState. */
export const ENTITY_ATTACKS: Readonly<Record<string, { prolog: string; reference: string }>> = {
  'xxe-file': {
    prolog: '<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    reference: '&xxe;',
  },
  'xxe-http': {
    prolog: '<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/evil">]>',
    reference: '&xxe;',
  },
  'xxe-parameter': {
    prolog: '<!DOCTYPE s:Envelope [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>',
    reference: '',
  },
  'external-dtd': { prolog: '<!DOCTYPE s:Envelope SYSTEM "file:///etc/passwd">', reference: '' },
  'billion-laughs': {
    prolog: `<!DOCTYPE s:Envelope [<!ENTITY lol "lol">${Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
    ).join('')}]>`,
    reference: '&lol9;',
  },
  'quadratic-blowup': {
    prolog: `<!DOCTYPE s:Envelope [<!ENTITY a "${'x'.repeat(50_000)}">]>`,
    reference: '&a;'.repeat(200),
  },
  'internal-entity': { prolog: '<!DOCTYPE s:Envelope [<!ENTITY name "Mallory">]>', reference: '&name;' },
  'undeclared-entity': { prolog: '', reference: '&xxe;' },
  'bad-character-reference': { prolog: '', reference: '&#0;&#xD800;' },
  'processing-instruction': { prolog: '<?xml-stylesheet href="file:///etc/passwd"?>', reference: '' },
  'inner-processing-instruction': { prolog: '', reference: '<?php system("id"); ?>' },
}
