import { XmlRejected } from './xml-rejected.ts'

/** An attribute of a start tag, namespace declarations left out. */
export interface XmlAttribute {
  readonly uri: string
  readonly local: string
  readonly value: string
}

/** What an XmlScanner reads, in document order; a self-closing tag is an open and a close. */
export interface XmlHandler {
  startElement(uri: string, local: string, attributes: readonly XmlAttribute[] | undefined): void
  text(text: string): void
  /**
   * Text taken as it is, given as where it sits in the scanner's buffer: `buffer.slice(start,
   * end)` is the text. A reader that keeps offsets instead of strings makes no string at all.
   */
  textIn(buffer: string, start: number, end: number): void
  endElement(): void
  /**
   * An element without attributes whose only content is plain text, `buffer.slice(start, end)`
   * (empty when equal): what startElement, textIn and endElement would say, in one call.
   */
  leaf(uri: string, local: string, buffer: string, start: number, end: number): void
  /**
   * Markup at `pos` other than an end tag, directly inside the element that asked for it
   * (XmlScanner.readContent): the handler may read whole elements there itself, with exactly
   * the meaning and the checks the scanner would give them, and return where they end; `pos`
   * leaves them to the scanner. `scope` is the element's namespace scope (namespaceIn).
   */
  content?(buffer: string, pos: number, scope: NamespaceScope): number
}

/** The namespace bindings in force at an element, for namespaceIn; nothing else may be read from it. */
export type NamespaceScope = { readonly __scope: never }

/** The namespace name `prefix` is bound to in `scope`; undefined when unbound. */
export function namespaceIn(scope: NamespaceScope, prefix: string): string | undefined {
  for (let b: Bindings | undefined = scope as unknown as Bindings; b; b = b.parent)
    if (b.prefix === prefix) return b.uri
  return undefined
}

/** Markup (a tag, comment, CDATA section or declaration) longer than this is refused. */
export const MAX_MARKUP = 1 << 20

const XML_NS = 'http://www.w3.org/XML/1998/namespace'
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/'

/** In-scope namespace bindings: one frame per declaration, searched innermost first. */
interface Bindings {
  readonly prefix: string
  readonly uri: string
  readonly parent: Bindings | undefined
}

const ROOT_BINDINGS: Bindings = {
  prefix: 'xml',
  uri: XML_NS,
  parent: { prefix: 'xmlns', uri: XMLNS_NS, parent: undefined },
}

// ASCII name characters (XML 1.0 fifth edition); anything from U+0080 up is checked by NAME.
const NAME_START = new Uint8Array(128)
const NAME_CHAR = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
  NAME_START[c] = letter ? 1 : 0
  NAME_CHAR[c] = letter || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 58 ? 1 : 0
}
const START_CHARS =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}'
const NCNAME = new RegExp(`^[${START_CHARS}][${START_CHARS}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`, 'u')

// Text needing more than a slice: references, line ends to normalise, characters XML forbids,
// surrogates (checked for pairing). `]]>` is looked for separately.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const SPECIAL_TEXT = /[&\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: as SPECIAL_TEXT, with the whitespace an attribute value normalises.
const SPECIAL_ATTRIBUTE = /[&\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/
const FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: see above.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const WHITESPACE_ONLY = /^[ \t\r\n]*$/
const XML_DECLARATION =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>$/
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13

/** A start tag as written (`<` to `>`), the bindings it was read under and what it meant. */
interface RecentTag {
  readonly text: string
  readonly parent: Bindings
  /** The parent's, or a frame of the tag's own namespace declarations. */
  readonly bindings: Bindings
  readonly name: KnownName
  readonly uri: string
}

/** Start tags remembered, and the longest remembered. */
const RECENT_TAGS = 4
const MAX_RECENT_TAG = 256

/** A qualified name the scanner has checked, with its parts. */
interface KnownName {
  readonly qname: string
  readonly prefix: string
  readonly local: string
}

/** Names up to this length are remembered by length, this many of each length. */
const KNOWN_LENGTH = 64
const KNOWN_PER_LENGTH = 8
/** Namespace names remembered, and the longest internalized. */
const KNOWN_URIS = 16
const MAX_INTERNED = 2048

/** A well-formedness error; the message names what is wrong, never the document's content. */
class Malformed extends Error {}

/**
 * A streaming, non-validating XML 1.0 reader with namespaces (Namespaces in XML 1.0), for SOAP
 * requests: text is written in chunks as the body arrives and each element is reported as soon
 * as its tag is complete. Every well-formedness rule that applies to a document without a DTD
 * is checked; a DOCTYPE is refused outright (so no DTD, no external or internal entity, no
 * expansion), as is any processing instruction other than the XML declaration. It replaced
 * saxes on the hot path: a RowData call is millions of tiny elements, and reading them by
 * slices of the chunk with no per-element objects is several times faster. The test suite
 * checks it against saxes on generated documents, accepted and refused alike.
 */
export class XmlScanner {
  readonly #handler: XmlHandler
  #buffer = ''
  #pos = 0
  /** Names and namespace bindings of the open elements. */
  readonly #names: string[] = []
  readonly #scopes: Bindings[] = []
  #bindings: Bindings = ROOT_BINDINGS
  #state: 'start' | 'prolog' | 'content' | 'epilog' = 'start'
  /** Where the search for the end of a long comment, CDATA section or PI resumes. */
  #resume = -1
  readonly #qnames = new Map<string, readonly [string, string]>()
  /**
   * The names met so far, by length: a document repeats a handful of names millions of times,
   * and one found here by comparing the text in place costs no string and no hash lookup.
   */
  readonly #known: KnownName[][] = Array.from({ length: KNOWN_LENGTH }, () => [])
  /** Namespace names declared so far, internalized. */
  readonly #uris: string[] = []
  /**
   * Start tags read lately, each with what it meant: a tag written the same way again under the
   * same bindings means the same, and is taken without reading it again (a RowData call is a
   * handful of such tags repeated by the million).
   */
  readonly #recent: RecentTag[] = []
  #recentNext = 0
  /** What the last #open opened: its name, namespace name and whether it had attributes besides declarations. */
  #openedName: KnownName | undefined
  #openedUri = ''
  #openedOthers = false
  /** Depth whose child elements the handler's `content` is offered; -1 for none. */
  #contentDepth = -1

  constructor(handler: XmlHandler) {
    this.#handler = handler
  }

  /**
   * From now on (`true`), the child elements of the element just opened are offered to the
   * handler's `content` before the scanner reads them; `false` stops that.
   */
  readContent(on: boolean): void {
    this.#contentDepth = on && this.#handler.content ? this.#names.length : -1
  }

  write(chunk: string): void {
    const rest = this.#buffer.length - this.#pos
    this.#resume = this.#resume < 0 ? -1 : this.#resume - this.#pos
    // Joined, not added: `+` would leave a rope that every character read afterwards goes through.
    this.#buffer = rest > 0 ? [this.#buffer.slice(this.#pos), chunk].join('') : chunk
    this.#pos = 0
    this.#run(false)
  }

  /**
   * What was written and not read yet (an element the last piece cut short): a writer that
   * takes it puts it before its next piece and passes that piece to `writeOn`.
   */
  get unread(): string {
    return this.#pos === 0 ? this.#buffer : this.#buffer.slice(this.#pos)
  }

  /** As `write`, for a piece that begins with `unread` as it was just read: nothing is joined. */
  writeOn(text: string): void {
    this.#resume = this.#resume < 0 ? -1 : this.#resume - this.#pos
    this.#buffer = text
    this.#pos = 0
    this.#run(false)
  }

  close(): void {
    this.#run(true)
  }

  #run(final: boolean): void {
    try {
      this.#scan(final)
      if (final && this.#names.length > 0) throw new Malformed('unclosed element at the end of the document')
      if (final && this.#state !== 'epilog') throw new Malformed('the document has no root element')
    } catch (error) {
      if (error instanceof Malformed) throw new XmlRejected('malformed', `malformed XML: ${error.message}`)
      throw error
    }
  }

  #scan(final: boolean): void {
    const buffer = this.#buffer
    const length = buffer.length
    let pos = this.#pos
    while (pos < length) {
      const lt = buffer.charCodeAt(pos) === 60 ? pos : buffer.indexOf('<', pos)
      if (lt !== pos) {
        const end = lt < 0 ? length : lt
        if (lt < 0 && !final) {
          pos = this.#partialText(pos, end)
          break
        }
        if (this.#state === 'content' && plainText(buffer, pos, end)) this.#handler.textIn(buffer, pos, end)
        else this.#text(buffer.slice(pos, end))
        pos = end
        continue
      }
      if (this.#names.length === this.#contentDepth && buffer.charCodeAt(pos + 1) !== 47) {
        const after = this.#handler.content!(buffer, pos, this.#bindings as unknown as NamespaceScope)
        if (after !== pos) {
          pos = after
          continue
        }
      }
      const next = this.#markup(pos, final)
      if (next < 0) break
      pos = next
    }
    this.#pos = pos
  }

  /** Text that runs to the end of what has arrived: most of it now, the end kept for later. */
  #partialText(pos: number, end: number): number {
    if (end - pos < 1024) return pos
    const buffer = this.#buffer
    if (this.#state === 'content' && buffer.slice(pos, end).includes(']]>')) throw new Malformed('"]]>" in text')
    // Keep what could still change meaning: a reference, `]]` of `]]>`, `\r` of `\r\n`, half a pair.
    let cut = end - 2
    const amp = buffer.lastIndexOf('&', end - 1)
    if (amp >= pos && buffer.indexOf(';', amp) < 0 && amp < cut) cut = amp
    const last = buffer.charCodeAt(cut - 1)
    if (last === 13 || (last >= 0xd800 && last <= 0xdbff)) cut--
    this.#text(buffer.slice(pos, cut))
    return cut
  }

  #text(raw: string): void {
    if (this.#state !== 'content') {
      if (!WHITESPACE_ONLY.test(raw)) throw new Malformed('text outside the root element')
      if (this.#state === 'start') this.#state = 'prolog'
      return
    }
    if (raw.includes(']]>')) throw new Malformed('"]]>" in text')
    this.#handler.text(SPECIAL_TEXT.test(raw) ? decodeText(raw, false) : raw)
  }

  /** Reads the markup at `pos` (a `<`); returns where it ends, or -1 when it has not all arrived. */
  #markup(pos: number, final: boolean): number {
    const buffer = this.#buffer
    if (pos + 1 >= buffer.length) return this.#incomplete(pos, final)
    const c = buffer.charCodeAt(pos + 1)
    const end =
      c === 47 ? this.#endTag(pos) : c === 33 ? this.#declaration(pos) : c === 63 ? this.#pi(pos) : this.#startTag(pos)
    if (end < 0) return this.#incomplete(pos, final)
    if (end - pos > MAX_MARKUP) throw new Malformed(`markup longer than ${MAX_MARKUP} characters`)
    this.#resume = -1
    if (this.#state === 'start') this.#state = 'prolog'
    return end
  }

  #incomplete(pos: number, final: boolean): number {
    if (final) throw new Malformed('the document ends inside markup')
    if (this.#buffer.length - pos > MAX_MARKUP) throw new Malformed(`markup longer than ${MAX_MARKUP} characters`)
    return -1
  }

  #startTag(pos: number): number {
    const buffer = this.#buffer
    const length = buffer.length
    if (this.#state === 'epilog') throw new Malformed('more than one root element')
    const recent = this.#recent
    for (let k = 0; k < recent.length; k++) {
      const tag = recent[k]!
      const end = pos + tag.text.length
      if (tag.parent !== this.#bindings || end > length || !textAt(buffer, tag.text, pos)) continue
      if (tag.bindings === tag.parent) {
        const after = this.#leaf(tag, end)
        if (after > 0) return after
      }
      this.#names.push(tag.name.qname)
      this.#scopes.push(tag.parent)
      this.#bindings = tag.bindings
      this.#handler.startElement(tag.uri, tag.name.local, undefined)
      return end
    }
    const nameEnd = this.#nameEnd(pos + 1)
    if (nameEnd >= length) return -1
    const name = this.#knownAt(pos + 1, nameEnd) ?? buffer.slice(pos + 1, nameEnd)
    let i = nameEnd
    let raw: (KnownName | string)[] | undefined
    let selfClosing = false
    for (;;) {
      const before = i
      while (i < length && isSpace(buffer.charCodeAt(i))) i++
      if (i >= length) return -1
      const c = buffer.charCodeAt(i)
      if (c === 62) {
        i++
        break
      }
      if (c === 47) {
        if (i + 1 >= length) return -1
        if (buffer.charCodeAt(i + 1) !== 62) throw new Malformed('"/" not followed by ">" in a tag')
        selfClosing = true
        i += 2
        break
      }
      if (i === before) throw new Malformed('attributes not separated by whitespace')
      const attributeEnd = this.#nameEnd(i)
      if (attributeEnd >= length) return -1
      const attribute = this.#knownAt(i, attributeEnd) ?? buffer.slice(i, attributeEnd)
      i = attributeEnd
      while (i < length && isSpace(buffer.charCodeAt(i))) i++
      if (i >= length) return -1
      if (buffer.charCodeAt(i) !== 61) throw new Malformed('attribute without "="')
      i++
      while (i < length && isSpace(buffer.charCodeAt(i))) i++
      if (i >= length) return -1
      const quote = buffer.charCodeAt(i)
      if (quote !== 34 && quote !== 39) throw new Malformed('attribute value not in quotes')
      const close = buffer.indexOf(quote === 34 ? '"' : "'", i + 1)
      if (close < 0) return -1
      const value = buffer.slice(i + 1, close)
      if (value.includes('<')) throw new Malformed('"<" in an attribute value')
      raw ??= []
      raw.push(attribute, SPECIAL_ATTRIBUTE.test(value) ? decodeText(value, true) : value)
      i = close + 1
    }
    const parent = this.#bindings
    this.#open(name, raw)
    if (selfClosing) this.#close()
    else if (!this.#openedOthers && i - pos <= MAX_RECENT_TAG) this.#remember(buffer.slice(pos, i), parent)
    return i
  }

  /** A start tag just opened, to be known again (see #recent); the oldest of them makes way. */
  #remember(text: string, parent: Bindings): void {
    const tag: RecentTag = { text, parent, bindings: this.#bindings, name: this.#openedName!, uri: this.#openedUri }
    if (this.#recent.length < RECENT_TAGS) this.#recent.push(tag)
    else this.#recent[this.#recentNext] = tag
    this.#recentNext = (this.#recentNext + 1) % RECENT_TAGS
  }

  /**
   * Opens an element; names come as the text read (not yet checked) or as a name already known.
   * Attribute values alternate with their names in `raw`.
   */
  #open(name: KnownName | string, raw: readonly (KnownName | string)[] | undefined): void {
    const parent = this.#bindings
    let bindings = parent
    let attributes: XmlAttribute[] | undefined
    let names: string[] | undefined
    if (raw) {
      names = []
      for (let a = 0; a < raw.length; a += 2) names.push(qnameOf(raw[a]!))
      for (let a = 0; a < raw.length; a += 2) {
        const name = names[a / 2]!
        if (name === 'xmlns' || name.startsWith('xmlns:'))
          bindings = declare(name, this.#interned((raw[a + 1] as string).trim()), bindings)
      }
      for (let a = 0; a < raw.length; a += 2) {
        const name = names[a / 2]!
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue
        const { prefix, local } = this.#checked(raw[a]!)
        const uri = prefix === '' ? '' : resolve(prefix, bindings)
        attributes ??= []
        attributes.push({ uri, local, value: raw[a + 1] as string })
      }
      if (raw.length > 2) unique(names, attributes)
    }
    const known = this.#checked(name)
    const { qname, prefix, local } = known
    if (prefix === 'xmlns') throw new Malformed('an element with the prefix xmlns')
    const uri = resolve(prefix, bindings)
    this.#openedName = known
    this.#openedUri = uri
    this.#openedOthers = attributes !== undefined
    this.#names.push(qname)
    this.#scopes.push(parent)
    this.#bindings = bindings
    this.#state = 'content'
    this.#handler.startElement(uri, local, attributes)
  }

  /**
   * `<name>` just read at `from`'s left, its plain text and its end tag all there: one leaf
   * event, and where it ends. Anything else (markup inside, text to decode, the end not yet
   * arrived) is -1, for the element to be read the general way.
   */
  #leaf(tag: RecentTag, from: number): number {
    const buffer = this.#buffer
    const qname = tag.name.qname
    const lt = buffer.indexOf('<', from)
    const close = lt + 2 + qname.length
    if (lt < 0 || close >= buffer.length) return -1
    if (buffer.charCodeAt(lt + 1) !== 47 || buffer.charCodeAt(close) !== 62 || !textAt(buffer, qname, lt + 2)) return -1
    if (lt > from && !plainText(buffer, from, lt)) return -1
    this.#handler.leaf(tag.uri, tag.name.local, buffer, from, lt)
    return close + 1
  }

  #endTag(pos: number): number {
    const buffer = this.#buffer
    const names = this.#names
    if (names.length === 0) throw new Malformed('a closing tag without an open element')
    const qname = names[names.length - 1]!
    let i = pos + 2 + qname.length
    if (i >= buffer.length) return -1
    if (!textAt(buffer, qname, pos + 2)) throw new Malformed('a closing tag does not match the open element')
    while (i < buffer.length && isSpace(buffer.charCodeAt(i))) i++
    if (i >= buffer.length) return -1
    if (buffer.charCodeAt(i) !== 62) throw new Malformed('a closing tag does not match the open element')
    this.#close()
    return i + 1
  }

  #close(): void {
    this.#names.pop()
    this.#bindings = this.#scopes.pop()!
    if (this.#names.length === 0) this.#state = 'epilog'
    this.#handler.endElement()
  }

  /** `<!--…-->`, `<![CDATA[…]]>` or `<!DOCTYPE`, which is refused. */
  #declaration(pos: number): number {
    const buffer = this.#buffer
    if (buffer.length < pos + 9 && !isPrefixOfAny(buffer.slice(pos))) throw new Malformed('unknown markup "<!"')
    if (buffer.startsWith('<!--', pos)) {
      const end = this.#find('-->', pos + 4)
      if (end < 0) return -1
      const body = buffer.slice(pos + 4, end)
      if (body.includes('--') || body.endsWith('-')) throw new Malformed('"--" inside a comment')
      if (FORBIDDEN.test(body)) throw new Malformed('a character XML does not allow')
      return end + 3
    }
    if (buffer.length < pos + 9) return -1
    if (buffer.startsWith('<![CDATA[', pos)) {
      if (this.#state !== 'content') throw new Malformed('CDATA outside the root element')
      const end = this.#find(']]>', pos + 9)
      if (end < 0) return -1
      const body = buffer.slice(pos + 9, end)
      if (FORBIDDEN.test(body)) throw new Malformed('a character XML does not allow')
      this.#handler.text(body.includes('\r') ? body.replace(/\r\n?/g, '\n') : body)
      return end + 3
    }
    if (buffer.startsWith('<!DOCTYPE', pos)) throw new XmlRejected('doctype', 'DOCTYPE is not allowed')
    throw new Malformed('unknown markup "<!"')
  }

  /** Only the XML declaration, first in the document; any other processing instruction is refused. */
  #pi(pos: number): number {
    const end = this.#find('?>', pos + 2)
    if (end < 0) return -1
    const text = this.#buffer.slice(pos, end + 2)
    if (/^<\?xml[ \t\r\n?]/.test(text)) {
      if (this.#state !== 'start') throw new Malformed('the XML declaration is not at the start')
      if (!XML_DECLARATION.test(text)) throw new Malformed('a malformed XML declaration')
      return end + 2
    }
    throw new XmlRejected('processing-instruction', 'processing instructions are not allowed')
  }

  /** indexOf that, for markup arriving over many chunks, resumes where the last search ended. */
  #find(terminator: string, from: number): number {
    const start = Math.max(from, this.#resume)
    const found = this.#buffer.indexOf(terminator, start)
    if (found < 0) this.#resume = Math.max(from, this.#buffer.length - terminator.length + 1)
    return found
  }

  /** End of the name at `start`; the name is checked when complete. */
  #nameEnd(start: number): number {
    const buffer = this.#buffer
    const length = buffer.length
    let i = start
    while (i < length) {
      const c = buffer.charCodeAt(i)
      if (c < 128 ? NAME_CHAR[c] === 0 : c === 0xfffe || c === 0xffff) break
      i++
    }
    if (i === start && i < length) throw new Malformed('a tag or attribute without a valid name')
    return i
  }

  /**
   * A namespace name as the one string the program's own literals are: V8 compares two such
   * strings by identity, and a document's namespace names are compared at every element.
   */
  #interned(uri: string): string {
    // A namespace name is a URI of a few dozen characters; a long one is left as it is.
    if (uri.length > MAX_INTERNED) return uri
    const uris = this.#uris
    for (let u = 0; u < uris.length; u++) if (uris[u] === uri) return uris[u]!
    // A property key is the engine's internalized copy of its text.
    const interned = Object.keys({ [uri]: 0 })[0]!
    if (uris.length < KNOWN_URIS) uris.push(interned)
    return interned
  }

  /** The known name whose text starts at `start` and ends at `end`, if any. */
  #knownAt(start: number, end: number): KnownName | undefined {
    const length = end - start
    if (length >= KNOWN_LENGTH) return undefined
    const buffer = this.#buffer
    for (const known of this.#known[length]!) if (textAt(buffer, known.qname, start)) return known
    return undefined
  }

  /** A name as read, checked and remembered; a known name as it is. */
  #checked(name: KnownName | string): KnownName {
    if (typeof name !== 'string') return name
    const [prefix, local] = this.#split(name)
    const known = { qname: name, prefix, local }
    const same = this.#known[name.length]
    if (same && same.length < KNOWN_PER_LENGTH) same.push(known)
    return known
  }

  /** Prefix and local part of a qualified name, checked (cached: documents repeat their names). */
  #split(qname: string): readonly [string, string] {
    let parts = this.#qnames.get(qname)
    if (parts) return parts
    const colon = qname.indexOf(':')
    parts = colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)]
    if (!ncName(parts[0]!, colon < 0) || !ncName(parts[1]!, false))
      throw new Malformed('a name that is not a valid qualified name')
    if (this.#qnames.size < 10_000) this.#qnames.set(qname, parts)
    return parts
  }
}

/**
 * `buffer.startsWith(text, at)` for the short names of tags, which is several times faster so
 * (a name is compared at every tag). The caller knows that `at + text.length` is in `buffer`.
 */
function textAt(buffer: string, text: string, at: number): boolean {
  for (let i = 0; i < text.length; i++) if (buffer.charCodeAt(at + i) !== text.charCodeAt(i)) return false
  return true
}

/**
 * Whether `buffer` from `start` to `end` is text to take as it is: no reference, no `\r`, no
 * character XML forbids, no surrogate (a pair is checked the slow way), no `]]>`. One pass over
 * the characters in place, where SPECIAL_TEXT and `includes` would each read a copy.
 */
export function plainText(buffer: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buffer.charCodeAt(i)
    if (c < 0x20) {
      if (c !== 9 && c !== 10) return false
    } else if (c === 38) return false
    else if (c === 93) {
      if (buffer.charCodeAt(i + 1) === 93 && buffer.charCodeAt(i + 2) === 62) return false
    } else if (c >= 0xd800 && (c <= 0xdfff || c >= 0xfffe)) return false
  }
  return true
}

const qnameOf = (name: KnownName | string) => (typeof name === 'string' ? name : name.qname)

/** No attribute twice, by its name as written nor by its namespace and local name. */
function unique(names: readonly string[], attributes: readonly XmlAttribute[] | undefined): void {
  const expanded = new Set<string>()
  for (const attribute of attributes ?? []) expanded.add(`{${attribute.uri}}${attribute.local}`)
  if (new Set(names).size !== names.length || expanded.size !== (attributes?.length ?? 0))
    throw new Malformed('an attribute is repeated')
}

function ncName(name: string, emptyAllowed: boolean): boolean {
  if (name === '') return emptyAllowed
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c >= 128) return NCNAME.test(name)
    if (i === 0 ? NAME_START[c] === 0 : NAME_CHAR[c] === 0 || c === 58) return false
  }
  return true
}

function isPrefixOfAny(text: string): boolean {
  return ['<!--', '<![CDATA[', '<!DOCTYPE'].some((m) => m.startsWith(text) || text.startsWith(m))
}

function declare(name: string, value: string, parent: Bindings): Bindings {
  // Surrounding whitespace is no part of a namespace name (a URI has none), as saxes reads it:
  // the caller trims it.
  const uri = value
  const prefix = name === 'xmlns' ? '' : name.slice(6)
  if (name !== 'xmlns' && !ncName(prefix, false)) throw new Malformed('a namespace prefix that is not a valid name')
  if (prefix === 'xmlns') throw new Malformed('the prefix xmlns cannot be declared')
  if (prefix === 'xml' ? uri !== XML_NS : uri === XML_NS)
    throw new Malformed('the prefix xml and its namespace belong only to each other')
  if (uri === XMLNS_NS) throw new Malformed('the xmlns namespace cannot be declared')
  if (prefix !== '' && uri === '') throw new Malformed('a namespace prefix bound to an empty name')
  return { prefix, uri, parent }
}

function resolve(prefix: string, bindings: Bindings): string {
  for (let b: Bindings | undefined = bindings; b; b = b.parent) if (b.prefix === prefix) return b.uri
  if (prefix === '') return ''
  throw new Malformed('an unbound namespace prefix')
}

/** Text or an attribute value with references, line ends and forbidden characters dealt with. */
function decodeText(raw: string, attribute: boolean): string {
  if (FORBIDDEN.test(raw)) throw new Malformed('a character XML does not allow')
  let text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw
  if (attribute) text = text.replace(/[\t\n]/g, ' ')
  if (!text.includes('&')) return text
  let out = ''
  let from = 0
  for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', from)) {
    const semi = text.indexOf(';', amp)
    if (semi < 0) throw new Malformed('"&" that does not start an entity reference')
    out += text.slice(from, amp) + reference(text.slice(amp + 1, semi))
    from = semi + 1
  }
  return out + text.slice(from)
}

function reference(name: string): string {
  if (name.startsWith('#')) {
    const hex = name.startsWith('#x')
    const digits = name.slice(hex ? 2 : 1)
    if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits))
      throw new Malformed('a malformed character reference')
    const code = Number.parseInt(digits, hex ? 16 : 10)
    const allowed =
      code === 9 ||
      code === 10 ||
      code === 13 ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff)
    if (!allowed) throw new Malformed('a character reference to a character XML does not allow')
    return String.fromCodePoint(code)
  }
  const value = PREDEFINED[name]
  if (value === undefined) throw new Malformed('an undefined entity (there is no DTD)')
  return value
}
