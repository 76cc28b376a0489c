import { XmlRejected, type XmlRejection } from './xml-rejected.ts'
import { type NamespaceScope, type XmlAttribute, type XmlHandler, XmlScanner } from './xml-scanner.ts'

export { XmlRejected, type XmlRejection } from './xml-rejected.ts'

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
  /** Bytes the element costs the reader beyond a captured element's estimate, for the density check. */
  open(ns: string, name: string, nil: boolean, depth: number): number | undefined
  text(text: string): void
  /**
   * Text as it sits in the scanner's buffer (see XmlHandler.textIn); the buffer may be kept.
   * `generation` changes whenever the buffer may have: one per write.
   */
  textIn(buffer: string, start: number, end: number, generation: number): void
  close(depth: number): void
  /** open (not nil), textIn when `end > start`, and close, in one call; returns what open would. */
  leaf(
    ns: string,
    name: string,
    depth: number,
    buffer: string,
    start: number,
    end: number,
    generation: number,
  ): number | undefined
  /**
   * Markup at `pos` directly inside the captured element (see XmlHandler.content): whole
   * elements read here, with the meaning open/leaf/close would give them and within `room`,
   * which is updated; returns where they end, or `pos`.
   */
  content?(buffer: string, pos: number, scope: NamespaceScope, generation: number, room: ContentRoom): number
  end(): unknown
}

/**
 * What elements a reader reads itself may cost: the limits' room left, for the reader to stop
 * before an element that would pass one (the tree then reads it, and refuses it as always).
 */
export interface ContentRoom {
  /** Elements that may still open. */
  elements: number
  /** Estimated bytes that may still be retained: each element costs `elementBytes`, each text its characters. */
  bytes: number
  readonly elementBytes: number
  /** Levels of nesting below the captured element that stay within the depth limit. */
  readonly depth: number
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
  /**
   * Most memory the tree may hold per character read, estimated as it grows: a flood of tiny
   * elements (`<e/>` is 4 characters, its node about 100 bytes) is refused long before it
   * costs a multiple of its body beyond this. Unset for small trusted inputs.
   */
  readonly maxDensity?: number
}

/** Estimated bytes of one tree node (object, children array slot), measured with V8's heap. */
export const NODE_BYTES = 96
/** Estimated bytes a captured element leaves behind (its place on the tape, and the row decoded from it). */
const CAPTURED_BYTES = 32
/** Estimated bytes of a piece of text besides its characters (a string or a slice of the chunk). */
const TEXT_BYTES = 32
/** What any document may hold regardless of its size: the envelope, a header, short calls. */
const DENSITY_SLACK = 256 * 1024

/** The children of a leaf: shared, so that a leaf costs no array. */
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[]

/**
 * Builds an element tree from text written in chunks, so that a request body is parsed as it
 * arrives and never held whole as text. The scanner refuses a DOCTYPE outright, so no DTD,
 * external entity or entity expansion can happen, and knows only the five predefined entities
 * and character references. Limits on depth and element count keep a hostile document from
 * exhausting memory.
 */
export class XmlTreeBuilder {
  readonly #scanner = new XmlScanner({
    startElement: (ns, name, attributes) => this.#open(ns, name, attributes),
    text: (text) => this.#text(text),
    textIn: (buffer, start, end) => this.#textIn(buffer, start, end),
    endElement: () => this.#close(),
    leaf: (ns, name, buffer, start, end) => this.#leaf(ns, name, buffer, start, end),
    content: (buffer, pos, scope) => this.#content(buffer, pos, scope),
  } satisfies XmlHandler)
  readonly #stack: XmlElement[] = []
  readonly #limits: XmlLimits
  #root: XmlElement | undefined
  readonly #captures: readonly SubtreeCapture[]
  /** The capture reading now, while #captureDepth > 0. */
  #capture: SubtreeCapture | undefined
  /** Depth inside the captured element; 0 when not capturing. */
  #captureDepth = 0
  #elements = 0
  #generation = 0
  /** Characters written, and the estimated bytes the tree holds: the density check. */
  #written = 0
  #retained = 0
  #failure: XmlRejected | undefined

  constructor(limits: XmlLimits, captures: SubtreeCapture | readonly SubtreeCapture[] = []) {
    this.#limits = limits
    this.#captures = Array.isArray(captures) ? captures : [captures as SubtreeCapture]
  }

  write(chunk: string): void {
    this.#check()
    this.#written += chunk.length
    this.#generation++
    this.#guarded(() => this.#scanner.write(chunk))
    this.#check()
  }

  /** What was written and not read yet (XmlScanner.unread). */
  get unread(): string {
    return this.#scanner.unread
  }

  /** As `write`, for a piece that begins with `unread` as it was just read (XmlScanner.writeOn). */
  writeOn(text: string, unread: number): void {
    this.#check()
    this.#written += text.length - unread
    this.#generation++
    this.#guarded(() => this.#scanner.writeOn(text))
    this.#check()
  }

  /** The root element as far as it is read; its last children may still be open. */
  get root(): XmlElement | undefined {
    return this.#root
  }

  /** Estimated bytes the tree holds so far (captured subtrees not included). */
  get retainedBytes(): number {
    return this.#retained
  }

  /** Ends the document and returns its root element. */
  close(): XmlElement {
    this.#check()
    this.#guarded(() => this.#scanner.close())
    this.#check()
    if (!this.#root) throw new XmlRejected('malformed', 'malformed XML: no root element')
    return this.#root
  }

  /** Counts an element opening against the limits; false (and the document refused) past one. */
  #admit(): boolean {
    if (this.#failure) return false
    if (++this.#elements > this.#limits.maxElements) {
      this.#reject('too-many-elements', `more than ${this.#limits.maxElements} elements`)
      return false
    }
    if (this.#stack.length + Math.max(0, this.#captureDepth - 1) >= this.#limits.maxDepth) {
      this.#reject('too-deep', `elements nested deeper than ${this.#limits.maxDepth}`)
      return false
    }
    return true
  }

  #open(ns: string, name: string, attributeList: readonly XmlAttribute[] | undefined): void {
    if (!this.#admit()) return
    let nil = false
    let attributes: Map<string, string> | undefined
    if (attributeList)
      for (const attribute of attributeList) {
        if (attribute.uri === XSI_NS && attribute.local === 'nil') nil = attribute.value.trim() === 'true'
        else {
          attributes ??= new Map()
          attributes.set(`{${attribute.uri}}${attribute.local}`, attribute.value)
        }
      }
    if (this.#captureDepth > 0) {
      // A captured element leaves a value slot or a small object behind, not a node.
      this.#retain(CAPTURED_BYTES + (this.#capture!.reader.open(ns, name, nil, this.#captureDepth++) ?? 0))
      return
    }
    const element: XmlElement = { ns, name, children: NO_CHILDREN, text: '', nil, attributes }
    this.#retain(NODE_BYTES)
    const parent = this.#stack[this.#stack.length - 1]
    if (!parent) this.#root = element
    else if (parent.children === NO_CHILDREN) (parent as { children: XmlElement[] }).children = [element]
    else parent.children.push(element)
    this.#stack.push(element)
    for (const capture of this.#captures)
      if (name === capture.name && ns === capture.ns) {
        this.#capture = capture
        this.#captureDepth = 1
        capture.reader.begin()
        if (capture.reader.content) this.#scanner.readContent(true)
        break
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
      this.#scanner.readContent(false)
      if (element) element.captured = this.#capture!.reader.end()
      return
    }
    // Whitespace between child elements is layout, not content.
    if (element && element.children.length > 0) {
      if (element.text !== '') this.#retained -= TEXT_BYTES + element.text.length
      element.text = ''
    }
  }

  #text(text: string): void {
    if (this.#captureDepth > 0) {
      this.#retain(text.length)
      this.#capture!.reader.text(text)
      return
    }
    const current = this.#stack[this.#stack.length - 1]
    if (current) {
      current.text += text
      this.#retain(TEXT_BYTES + text.length)
    }
  }

  #leaf(ns: string, name: string, buffer: string, start: number, end: number): void {
    const depth = this.#captureDepth
    if (depth === 0 || this.#failure) {
      this.#open(ns, name, undefined)
      if (end > start) this.#textIn(buffer, start, end)
      this.#close()
      return
    }
    // As #open, #textIn and #close inside a captured element, in one call to the reader.
    if (!this.#admit()) return
    const extra = this.#capture!.reader.leaf(ns, name, depth, buffer, start, end, this.#generation)
    this.#retain(CAPTURED_BYTES + end - start + (extra ?? 0))
  }

  /** Offers the captured element's children to its reader (SubtreeReader.content), within the limits' room. */
  #content(buffer: string, pos: number, scope: NamespaceScope): number {
    const reader = this.#capture?.reader
    if (this.#captureDepth !== 1 || this.#failure || !reader?.content) return pos
    const limits = this.#limits
    const density = limits.maxDensity
    const room: ContentRoom = {
      elements: limits.maxElements - this.#elements,
      bytes: density === undefined ? Number.MAX_SAFE_INTEGER : density * this.#written + DENSITY_SLACK - this.#retained,
      elementBytes: CAPTURED_BYTES,
      // As #admit counts it: an element at capture depth d is refused once stack + d - 1 reaches the limit.
      depth: limits.maxDepth - this.#stack.length,
    }
    const elements = room.elements
    const bytes = room.bytes
    const end = reader.content(buffer, pos, scope, this.#generation, room)
    this.#elements += elements - room.elements
    this.#retained += bytes - room.bytes
    return end
  }

  #textIn(buffer: string, start: number, end: number): void {
    if (this.#captureDepth > 0) {
      // The reader keeps the buffer its text is in: the text's characters, counted as bytes.
      this.#retain(end - start)
      this.#capture!.reader.textIn(buffer, start, end, this.#generation)
    } else this.#text(buffer.slice(start, end))
  }

  #retain(bytes: number): void {
    this.#retained += bytes
    const density = this.#limits.maxDensity
    if (density !== undefined && this.#retained > density * this.#written + DENSITY_SLACK) {
      this.#reject('too-dense', `the document needs more than ${density} bytes of memory per byte read`)
    }
  }

  #guarded(step: () => void): void {
    try {
      step()
    } catch (error) {
      // The first thing wrong is the one reported: a limit passed before the scanner's error.
      if (error instanceof XmlRejected) this.#failure ??= error
      else
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
