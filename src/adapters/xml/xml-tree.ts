import { SaxesParser, type SaxesTagNS } from 'saxes'

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'

/** An element of a parsed document: namespace URI, local name, children, and its own text. */
export interface XmlElement {
  readonly ns: string
  readonly name: string
  readonly children: XmlElement[]
  text: string
  /** `xsi:nil="true"` */
  readonly nil: boolean
  /** Other attributes as `{uri}local` → value; absent when there are none. */
  readonly attributes: ReadonlyMap<string, string> | undefined
  /** What a SubtreeReader made of this element's content; its children are then not kept. */
  captured?: unknown
}

/**
 * Reads the content of elements of one name into a compact value instead of tree nodes: a
 * RowData call holds a million small elements, and building a node for each costs several
 * times the parsing itself. Depth counts from the captured element's children (1).
 */
export interface SubtreeReader {
  begin(): void
  open(ns: string, name: string, nil: boolean, depth: number): void
  text(text: string): void
  close(depth: number): void
  end(): unknown
}

export interface SubtreeCapture {
  readonly ns: string
  readonly name: string
  readonly reader: SubtreeReader
}

export interface XmlLimits {
  /** Deepest element nesting accepted. */
  readonly maxDepth: number
  /** Most elements accepted in one document. */
  readonly maxElements: number
}

export type XmlRejection = 'malformed' | 'doctype' | 'processing-instruction' | 'too-deep' | 'too-many-elements'

/** Thrown while reading a document that must not be accepted; the message names no content. */
export class XmlRejected extends Error {
  readonly reason: XmlRejection

  constructor(reason: XmlRejection, message: string) {
    super(message)
    this.name = 'XmlRejected'
    this.reason = reason
  }
}

/**
 * Builds an element tree from text written in chunks, so that a request body is parsed as it
 * arrives and never held whole as text. A DOCTYPE is refused outright, so no DTD, external
 * entity or entity expansion can happen (saxes knows only the five predefined entities and
 * character references, and reports any other reference as an error). Limits on depth and
 * element count keep a hostile document from exhausting memory.
 */
export class XmlTreeBuilder {
  readonly #parser = new SaxesParser({ xmlns: true, position: false })
  readonly #stack: XmlElement[] = []
  readonly #limits: XmlLimits
  #root: XmlElement | undefined
  readonly #capture: SubtreeCapture | undefined
  /** Depth inside the captured element; 0 when not capturing. */
  #captureDepth = 0
  #elements = 0
  #failure: XmlRejected | undefined

  constructor(limits: XmlLimits, capture?: SubtreeCapture) {
    this.#limits = limits
    this.#capture = capture
    const p = this.#parser
    p.on('doctype', () => this.#reject('doctype', 'DOCTYPE is not allowed'))
    p.on('processinginstruction', () =>
      this.#reject('processing-instruction', 'processing instructions are not allowed'),
    )
    p.on('opentag', (tag) => this.#open(tag as SaxesTagNS))
    p.on('closetag', () => this.#close())
    p.on('text', (text) => this.#text(text))
    p.on('cdata', (text) => this.#text(text))
    // No 'error' handler: saxes then throws at the first error, which write() turns into a
    // rejection. A seventh handler would push the parser object into V8's slow dictionary mode
    // (handlers are added by keyed stores) and parse three times slower.
  }

  write(chunk: string): void {
    this.#check()
    this.#guarded(() => this.#parser.write(chunk))
    this.#check()
  }

  /** Ends the document and returns its root element. */
  close(): XmlElement {
    this.#check()
    this.#guarded(() => this.#parser.close())
    this.#check()
    if (!this.#root) throw new XmlRejected('malformed', 'malformed XML: no root element')
    return this.#root
  }

  #open(tag: SaxesTagNS): void {
    if (this.#failure) return
    if (++this.#elements > this.#limits.maxElements) {
      this.#reject('too-many-elements', `more than ${this.#limits.maxElements} elements`)
      return
    }
    if (this.#stack.length + Math.max(0, this.#captureDepth - 1) >= this.#limits.maxDepth) {
      this.#reject('too-deep', `elements nested deeper than ${this.#limits.maxDepth}`)
      return
    }
    let nil = false
    let attributes: Map<string, string> | undefined
    for (const name in tag.attributes) {
      const attribute = tag.attributes[name]!
      if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') continue
      if (attribute.uri === XSI_NS && attribute.local === 'nil') nil = attribute.value.trim() === 'true'
      else {
        attributes ??= new Map()
        attributes.set(`{${attribute.uri}}${attribute.local}`, attribute.value)
      }
    }
    const capture = this.#capture
    if (this.#captureDepth > 0) {
      capture!.reader.open(tag.uri, tag.local, nil, this.#captureDepth++)
      return
    }
    const element: XmlElement = { ns: tag.uri, name: tag.local, children: [], text: '', nil, attributes }
    const parent = this.#stack[this.#stack.length - 1]
    if (parent) parent.children.push(element)
    else this.#root = element
    this.#stack.push(element)
    if (capture && tag.local === capture.name && tag.uri === capture.ns) {
      this.#captureDepth = 1
      capture.reader.begin()
    }
  }

  #close(): void {
    if (this.#captureDepth > 1) {
      this.#capture!.reader.close(--this.#captureDepth)
      return
    }
    const element = this.#stack.pop()
    if (this.#captureDepth === 1) {
      this.#captureDepth = 0
      if (element) element.captured = this.#capture!.reader.end()
      return
    }
    // Whitespace between child elements is layout, not content.
    if (element && element.children.length > 0) element.text = ''
  }

  #text(text: string): void {
    if (this.#captureDepth > 0) {
      this.#capture!.reader.text(text)
      return
    }
    const current = this.#stack[this.#stack.length - 1]
    if (current) current.text += text
  }

  #guarded(step: () => void): void {
    try {
      step()
    } catch (error) {
      if (error instanceof XmlRejected) throw error
      this.#reject('malformed', `malformed XML: ${firstLine(error instanceof Error ? error.message : String(error))}`)
    }
  }

  #reject(reason: XmlRejection, message: string): void {
    this.#failure ??= new XmlRejected(reason, message)
  }

  #check(): void {
    if (this.#failure) throw this.#failure
  }
}

/** Parses a whole document held as text; for small inputs such as key files. */
export function parseXml(text: string, limits: XmlLimits = { maxDepth: 32, maxElements: 10_000 }): XmlElement {
  const builder = new XmlTreeBuilder(limits)
  builder.write(text)
  return builder.close()
}

export function child(element: XmlElement, ns: string, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && c.ns === ns)
}

export function childrenNamed(element: XmlElement, ns: string, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name && c.ns === ns)
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 200)
}
