import fc from 'fast-check'
import { SaxesParser, type SaxesTagNS } from 'saxes'
import { describe, expect, it } from 'vitest'
import { XmlRejected } from '../../../src/adapters/xml/xml-rejected.ts'
import { MAX_MARKUP, type XmlAttribute, XmlScanner } from '../../../src/adapters/xml/xml-scanner.ts'

type Event = readonly ['open', string, string, string] | readonly ['text', string] | readonly ['close']
type Outcome =
  | { readonly ok: true; readonly events: readonly Event[] }
  | { readonly ok: false; readonly reason: string }

const attributesKey = (list: readonly { uri: string; local: string; value: string }[]) =>
  JSON.stringify(list.map((a) => [a.uri, a.local, a.value]).sort())

/** Adjacent text events joined: where a parser splits text is its own business. */
function push(events: Event[], event: Event): void {
  const last = events[events.length - 1]
  if (event[0] === 'text' && last?.[0] === 'text') events[events.length - 1] = ['text', last[1] + event[1]]
  else if (event[0] !== 'text' || event[1] !== '') events.push(event)
}

/** `writeOn`: each piece written after what the scanner left unread, as a body's reader joins them. */
function withScanner(chunks: readonly string[], writeOn = false): Outcome {
  const events: Event[] = []
  let depth = 0
  const scanner = new XmlScanner({
    startElement: (uri, local, attributes: readonly XmlAttribute[] | undefined) => {
      depth++
      push(events, ['open', uri, local, attributesKey(attributes ?? [])])
    },
    text: (text) => {
      if (depth > 0) push(events, ['text', text])
    },
    textIn: (buffer, start, end) => {
      if (depth > 0) push(events, ['text', buffer.slice(start, end)])
    },
    leaf: (uri, local, buffer, start, end) => {
      push(events, ['open', uri, local, attributesKey([])])
      if (end > start) push(events, ['text', buffer.slice(start, end)])
      push(events, ['close'])
    },
    endElement: () => {
      depth--
      push(events, ['close'])
    },
  })
  try {
    for (const chunk of chunks) {
      if (writeOn) scanner.writeOn(scanner.unread + chunk)
      else scanner.write(chunk)
    }
    scanner.close()
    return { ok: true, events }
  } catch (error) {
    if (error instanceof XmlRejected) return { ok: false, reason: error.reason }
    throw error
  }
}

/** saxes, the conformant parser the project used before, as the oracle. */
function withSaxes(chunks: readonly string[]): Outcome {
  const events: Event[] = []
  let depth = 0
  let refused: string | undefined
  const parser = new SaxesParser({ xmlns: true, position: false })
  parser.on('doctype', () => {
    refused ??= 'doctype'
  })
  parser.on('processinginstruction', () => {
    refused ??= 'processing-instruction'
  })
  parser.on('opentag', (tag) => {
    depth++
    const t = tag as SaxesTagNS
    const attributes = Object.values(t.attributes)
      .filter((a) => a.prefix !== 'xmlns' && a.name !== 'xmlns')
      .map((a) => ({ uri: a.uri, local: a.local, value: a.value }))
    push(events, ['open', t.uri, t.local, attributesKey(attributes)])
  })
  const text = (value: string) => {
    if (depth > 0) push(events, ['text', value])
  }
  parser.on('text', text)
  parser.on('cdata', text)
  parser.on('closetag', () => {
    depth--
    push(events, ['close'])
  })
  try {
    for (const chunk of chunks) {
      parser.write(chunk)
      if (refused) return { ok: false, reason: refused }
    }
    parser.close()
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  return refused ? { ok: false, reason: refused } : { ok: true, events }
}

const NAMES = ['a', 'b', 'p:a', 'q:b', 'x:y', 'xml:lang', 'xmlns:z', 'ä', 'é:ö', '_x', 'a-b', 'a.b', 'a1']
const BAD_NAMES = ['1a', '-a', 'a:b:c', ':a', 'a:', '.a', 'a\u00A0', 'a\uFFFF', '']
const URIS = ['urn:p', 'urn:q', '', ' ', 'http://www.w3.org/XML/1998/namespace', 'http://www.w3.org/2000/xmlns/']
const GOOD_TEXTS = [
  'plain',
  ' ',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '&amp;',
  '&lt;&gt;&quot;&apos;',
  '&#65;',
  '&#x1F600;',
  '&#1114111;',
  '>',
  ']]',
  ']',
  '"',
  "'",
  '\uD83D\uDE00',
  'ü',
]
const BAD_TEXTS = [
  '&#0;',
  '&#xD800;',
  '&#x110000;',
  '&nope;',
  '&amp',
  '&',
  '&#;',
  '&#x;',
  ']]>',
  '\u0001',
  '\u000B',
  '\uFFFE',
  '<',
]
const text = fc
  .array(fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...GOOD_TEXTS) }, fc.constantFrom(...BAD_TEXTS)), {
    maxLength: 4,
  })
  .map((t) => t.join(''))
const pick = <T>(good: readonly T[], bad: readonly T[], weight = 12) =>
  fc.oneof({ weight, arbitrary: fc.constantFrom(...good) }, fc.constantFrom(...bad))

/** Documents mostly well-formed, with every kind of markup and the usual ways to get it wrong. */
function node(depth: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: text },
    ...(depth > 0 ? [{ weight: 5, arbitrary: element(depth - 1) }] : []),
    {
      weight: 1,
      arbitrary: pick(['<!-- c -->', '<!---->', '<!-- - -->'], ['<!-- a--b -->', '<!-- a --->', '<!--x'], 4),
    },
    { weight: 1, arbitrary: pick(['<![CDATA[x<&]]>', '<![CDATA[]]>', '<![CDATA[\r\n]]>'], ['<![CDATA[x'], 4) },
    { weight: 1, arbitrary: fc.constantFrom('<?pi x?>', '<?xml version="1.0"?>', '<!DOCTYPE x>', '<!x>', '<') },
  )
}

function element(depth: number): fc.Arbitrary<string> {
  const name = pick(NAMES, BAD_NAMES, 30)
  const attribute = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(name, fc.array(text, { maxLength: 2 }), fc.constantFrom('"', "'"))
        .map(([n, v, q]) => ` ${n}=${q}${v.join('').replaceAll(q, '')}${q}`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('xmlns', 'xmlns:p', 'xmlns:q', 'xmlns:', 'xmlns:xml', 'xmlns:xmlns'),
          fc.constantFrom(...URIS),
        )
        .map(([n, uri]) => ` ${n}="${uri}"`),
    },
    fc.constantFrom(' a', ' a=b', ' a="1"a="2"', '\n\ta = "x"', ' a="1" a="2"', ' p:a="1" q:a="1"', '/ '),
  )
  return fc
    .tuple(
      name,
      fc.array(attribute, { maxLength: 3 }),
      fc.array(node(depth), { maxLength: 3 }),
      pick(['same', 'self', 'spaced'], ['other'], 20),
    )
    .map(([n, attributes, children, close]) => {
      const open = `<${n}${attributes.join('')}`
      if (close === 'self') return `${open}/>`
      const end = close === 'other' ? '</zz>' : close === 'spaced' ? `</${n} \n>` : `</${n}>`
      return `${open}>${children.join('')}${end}`
    })
}

const document = fc
  .tuple(
    pick(['', '<?xml version="1.0" encoding="utf-8"?>', '<!-- c -->\n', '\n'], [' <?xml version="1.0"?>', 'x']),
    element(3),
    pick(['', ' \n', '<!-- c -->'], ['x', '<a/>', '<?pi?>']),
  )
  .map(([prolog, root, epilog]) => `${prolog}<r xmlns:p="urn:p" xmlns:q="urn:q">${root}</r>${epilog}`)

/** A position in `d` that does not split a surrogate pair (a lone surrogate is tested apart). */
function at(d: string, n: number): number {
  const i = n % (d.length + 1)
  const c = d.charCodeAt(i)
  return c >= 0xdc00 && c <= 0xdfff ? i + 1 : i
}

/** A change of one character somewhere, or the document cut short. */
const mutated = fc.oneof(
  { weight: 8, arbitrary: document },
  fc
    .tuple(document, fc.nat(), fc.constantFrom('<', '>', '&', '"', '/', ' ', '=', ':', '!', '?', ']', '\u0000'))
    .map(([d, n, c]) => d.slice(0, at(d, n)) + c + d.slice(at(d, n))),
  fc.tuple(document, fc.nat()).map(([d, n]) => d.slice(0, at(d, n))),
  fc.tuple(document, fc.nat()).map(([d, n]) => {
    const i = at(d, n)
    const c = d.charCodeAt(i)
    return d.slice(0, i) + d.slice(c >= 0xd800 && c <= 0xdbff ? i + 2 : i + 1)
  }),
)

const chunked = fc.tuple(mutated, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean()).map(([text, cuts, writeOn]) => {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
  const chunks: string[] = []
  let from = 0
  for (const point of points) {
    chunks.push(text.slice(from, point))
    from = point
  }
  chunks.push(text.slice(from))
  return { text, chunks, writeOn }
})

describe('XmlScanner against saxes', () => {
  it('accepts and refuses the same generated documents, and reads the same events from those it accepts', () => {
    let accepted = 0
    fc.assert(
      fc.property(chunked, ({ text, chunks, writeOn }) => {
        const oracle = withSaxes([text])
        const scanned = withScanner(chunks, writeOn)
        expect({ text, result: scanned.ok ? scanned : { ok: false } }).toEqual({
          text,
          result: oracle.ok ? oracle : { ok: false },
        })
        if (oracle.ok) accepted++
      }),
      { numRuns: 20_000, seed: 20261201 },
    )
    // The generator must give both kinds in good numbers, or the comparison proves little.
    expect(accepted).toBeGreaterThan(2_000)
    expect(accepted).toBeLessThan(18_000)
  })
})

describe('XmlScanner on repeated names, namespaces and plain text (its fast paths)', () => {
  const chunksOf = (text: string, size: number) => {
    const chunks: string[] = []
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size))
    return chunks
  }
  const same = (text: string) => {
    for (const size of [text.length, 1, 5, 64]) expect(withScanner(chunksOf(text, size))).toEqual(withSaxes([text]))
  }

  it('reads names past what it remembers (more of one length, longer ones) as saxes does', () => {
    // Ten names of one length, more than the scanner keeps, and names longer than it keeps.
    const names = Array.from({ length: 10 }, (_, i) => `n${i}`).concat(['l'.repeat(70), `p:${'m'.repeat(80)}`])
    const inner = names.map((n) => `<${n} a="1">x</${n}>`).join('')
    const text = `<r xmlns:p="urn:p">${inner}${inner}<n1/><n9></n9></r>`
    same(text)
    expect(withScanner([text]).ok).toBe(true)
  })

  it('reads a start tag that repeats the last one by its bindings, not by its text', () => {
    // The same text `<p:a>` under three bindings of p, and repeats that only start like it.
    same(
      '<r xmlns:p="urn:p"><p:a>1</p:a><p:a>2</p:a><x xmlns:p="urn:q"><p:a>3</p:a><p:a>4</p:a></x><p:a>5</p:a>' +
        '<p:ab>6</p:ab><p:a >7</p:a><p:a/><p:a b="1">8</p:a><p:a>9</p:a><y xmlns="urn:d"><p:a>0</p:a></y></r>',
    )
    expect(withScanner(['<r><a></a><a></a></r><a>'])).toEqual({ ok: false, reason: 'malformed' })
    expect(withScanner(['<r><a></a><a></r>'])).toEqual({ ok: false, reason: 'malformed' })
  })

  it('refuses a closing tag that only starts or ends like the open one', () => {
    for (const text of ['<ab></a>', '<a></ab>', '<a:b xmlns:a="urn:a"></a:c>', '<abc><abd></abc></abd>'])
      expect(withScanner([text])).toEqual({ ok: false, reason: 'malformed' })
    same('<r><a/><ab/><a></a><ab></ab></r>')
  })

  it('resolves namespace names however many and however spaced, as saxes does', () => {
    const declarations = Array.from({ length: 20 }, (_, i) => `<e${i} xmlns:p=" urn:n${i} "><p:x p:a="v"/></e${i}>`)
    same(`<r>${declarations.join('')}${declarations.join('')}</r>`)
    same('<r xmlns="urn:d"><a xmlns="urn:d"/><b xmlns=""/><c xmlns="  urn:d  "/></r>')
    const long = `urn:${'n'.repeat(3000)}`
    same(`<r xmlns:p="${long}"><p:a/><p:b xmlns:p=" ${long}"/></r>`)
  })

  it('takes plain text as it is and still finds every character that needs more', () => {
    for (const value of [
      '[I:1]',
      '[DT:02/29/2024 23:59:59.1234567]',
      ']]',
      'a]]',
      ']] >',
      '\t\n',
      'ü€',
      '\uD83D\uDE00',
    ])
      same(`<r><v>${value}</v><w>${value}</w></r>`)
    for (const value of ['a]]>b', ']]>', '\u0001', '\uFFFE', '\uD83D', '\uDE00x'])
      expect(withScanner([`<r><v>${value}</v></r>`]).ok).toBe(false)
    same('<r><v>a\r\nb&amp;c</v></r>')
  })
})

describe('XmlScanner refusals', () => {
  const read = (text: string, chunk = text.length) => {
    const chunks: string[] = []
    for (let i = 0; i < text.length; i += chunk) chunks.push(text.slice(i, i + chunk))
    return withScanner(chunks)
  }

  it('refuses a DOCTYPE as soon as it arrives, before the rest of the document', () => {
    const scanner = new XmlScanner({ startElement() {}, text() {}, textIn() {}, endElement() {}, leaf() {} })
    expect(() => scanner.write('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">')).toThrow(/DOCTYPE/)
  })

  it('refuses processing instructions but takes the XML declaration first in the document', () => {
    expect(read('<?xml version="1.0" encoding="utf-8"?><a/>')).toEqual({
      ok: true,
      events: [['open', '', 'a', '[]'], ['close']],
    })
    expect(read('<a><?php x ?></a>')).toEqual({ ok: false, reason: 'processing-instruction' })
    expect(read(' <?xml version="1.0"?><a/>')).toEqual({ ok: false, reason: 'malformed' })
  })

  it('refuses markup longer than the limit, however it is chunked, without reading it again and again', () => {
    const huge = `<a><!--${'x'.repeat(MAX_MARKUP + 10)}--></a>`
    expect(read(huge, 65_536)).toEqual({ ok: false, reason: 'malformed' })
    expect(read(`<a b="${'x'.repeat(MAX_MARKUP + 10)}"/>`, 65_536)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('streams long text in pieces and joins them exactly, references and line ends across chunk edges', () => {
    const value = `${'y'.repeat(5000)}&amp;\r\n${'z'.repeat(3000)}]]`
    for (const chunk of [1, 7, 1000, 4099, 65_536]) {
      const result = read(`<a>${value}&#x41;</a>`, chunk)
      expect(result).toEqual({
        ok: true,
        events: [['open', '', 'a', '[]'], ['text', `${'y'.repeat(5000)}&\n${'z'.repeat(3000)}]]A`], ['close']],
      })
    }
    expect(read(`<a>${'y'.repeat(5000)}]]>x</a>`, 4000)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('refuses lone surrogates, which are no characters (saxes lets them through)', () => {
    expect(read('<a>\uD83Dx</a>')).toEqual({ ok: false, reason: 'malformed' })
    expect(read('<a b="\uDE00"/>')).toEqual({ ok: false, reason: 'malformed' })
    expect(read('<a>\uD83D\uDE00</a>', 4)).toEqual({
      ok: true,
      events: [['open', '', 'a', '[]'], ['text', '\uD83D\uDE00'], ['close']],
    })
  })

  it('never puts document content into its messages', () => {
    for (const text of ['<a>&secret;</a>', '<secret:a/>', '<a secret="1" secret="2"/>', '<a>\u0001secret</a>']) {
      const scanner = new XmlScanner({ startElement() {}, text() {}, textIn() {}, endElement() {}, leaf() {} })
      try {
        scanner.write(text)
        scanner.close()
        expect.unreachable()
      } catch (error) {
        expect((error as Error).message).not.toContain('secret')
      }
    }
  })
})
