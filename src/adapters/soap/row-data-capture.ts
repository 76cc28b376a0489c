import type { TextSpan, WireRows } from '../../domain/protocol/messages.ts'
import { clip } from '../../domain/shared/clip.ts'
import type { NamespaceScope } from '../xml/xml-scanner.ts'
import type { ContentRoom, SubtreeCapture, SubtreeReader, XmlElement } from '../xml/xml-tree.ts'
import { CanonicalPrefixes, PLAIN_TEXT } from './canonical-spelling.ts'
import { NS } from './namespaces.ts'

/** Where a value's text is, besides a buffer's index: */
const NIL = -1
/** …its text is in `extras` (it came in pieces, or with references decoded)… */
const EXTRA = -2
/** …it has none. */
const EMPTY = -3

const OPERATIONS = ['', 'I', 'U', 'D'] as const

/**
 * A row as the Mirroring Task writes it (SuperOffice's and ours: WCF's compact output), read by
 * DataReader.content without the scanner: `a` and `i` must be bound, where the rows are, to the
 * contract's and XML Schema instance's namespaces. Anything else is read the general way.
 */
const ROW_OPEN = `<a:RowData><a:ColumnValues xmlns:b="${NS.arrays}">`
const VALUE_OPEN = '<b:string>'
const VALUE_CLOSE = '</b:string>'
const NIL_VALUE = '<b:string i:nil="true"/>'
const EMPTY_VALUE = '<b:string/>'
const VALUES_CLOSE = '</a:ColumnValues><a:Operation>'
const ROW_CLOSE = '</a:Operation></a:RowData>'
/**
 * The rest of a row of that spelling after ROW_OPEN, matched where it starts: values of plain
 * text (plainText's rules: no reference, no `\r` or other control character XML forbids, no
 * surrogate, no `]]>`), nil or empty, then the close of the values and an operation I, U or D.
 * One pass of the engine's compiled scan a row, rather than ours over each value's characters.
 */
const CANONICAL_ROW = new RegExp(
  `(?:<b:string>${PLAIN_TEXT}<\\/b:string>|<b:string i:nil="true"\\/>|<b:string\\/>)*<\\/a:ColumnValues><a:Operation>[IUD]<\\/a:Operation><\\/a:RowData>`,
  'y',
)
/** From the close of the values to the end of the row: VALUES_CLOSE, the operation, ROW_CLOSE. */
const ROW_TAIL = VALUES_CLOSE.length + 1 + ROW_CLOSE.length
const GT = 62
const SLASH = 47
/** Elements of a row besides its values: RowData, ColumnValues, Operation. */
const ROW_ELEMENTS = 3
/** A value sits three levels below Data. */
const ROW_DEPTH = 3

/** A growable typed array with room for `needed` entries: the tape, row starts and operations. */
function grown<T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(array: T, needed: number): T {
  if (needed <= array.length) return array
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(needed, array.length * 2))
  bigger.set(array)
  return bigger
}

/**
 * A `Data` element's rows as read: for each value, three numbers on a tape (which buffer of the
 * body, where its text starts and ends there) instead of a string; an operation code per row.
 * The body's buffers are kept, and they are what the call costs: a million-value call leaves a
 * few typed arrays and the text it came in, where strings and arrays per value and row lived on
 * until the call was applied and cost more in garbage collection than the parsing.
 */
export class CapturedRows implements WireRows {
  /** Set when `Data` holds an element that is not a RowData: the request is refused. */
  readonly stranger: string | undefined
  #buffers: string[]
  #extras: string[]
  #released = false
  readonly #tape: Int32Array
  /** Row r's values are tape entries rowStarts[r] to rowStarts[r + 1] - 1. */
  readonly #rowStarts: Int32Array
  readonly #operations: Uint8Array
  /** Operations other than I, U and D, as sent (trimmed). */
  readonly #otherOperations: ReadonlyMap<number, string>
  readonly length: number
  /** Rows read whole in the Mirroring Task's spelling (DataReader.content); the scanner read the others tag by tag. */
  readonly readWhole: number

  constructor(parts: {
    buffers: string[]
    extras: string[]
    tape: Int32Array
    rowStarts: Int32Array
    operations: Uint8Array
    otherOperations: ReadonlyMap<number, string>
    rows: number
    readWhole: number
    stranger: string | undefined
  }) {
    this.#buffers = parts.buffers
    this.#extras = parts.extras
    this.#tape = parts.tape
    this.#rowStarts = parts.rowStarts
    this.#operations = parts.operations
    this.#otherOperations = parts.otherOperations
    this.length = parts.rows
    this.readWhole = parts.readWhole
    this.stranger = parts.stranger
  }

  operation(row: number): string {
    const code = this.#operations[row]!
    return code === 0 ? (this.#otherOperations.get(row) ?? '') : OPERATIONS[code]!
  }

  width(row: number): number {
    return this.#rowStarts[row + 1]! - this.#rowStarts[row]!
  }

  /**
   * The body's text goes (a write that built its COPY text from it waits for the server without
   * keeping a megabyte of it alive, which the collector would otherwise promote).
   */
  release(): void {
    this.#released = true
    this.#buffers = []
    this.#extras = []
  }

  value(row: number, column: number): string | null {
    this.#readable()
    const at = (this.#rowStarts[row]! + column) * 3
    const source = this.#tape[at]!
    if (source >= 0) return this.#buffers[source]!.slice(this.#tape[at + 1], this.#tape[at + 2])
    if (source === NIL) return null
    if (source === EXTRA) return this.#extras[this.#tape[at + 1]!]!
    return ''
  }

  locate(row: number, column: number, span: TextSpan): boolean {
    this.#readable()
    const at = (this.#rowStarts[row]! + column) * 3
    const source = this.#tape[at]!
    if (source >= 0) {
      span.text = this.#buffers[source]!
      span.start = this.#tape[at + 1]!
      span.end = this.#tape[at + 2]!
      return true
    }
    if (source === NIL) return false
    span.text = source === EXTRA ? this.#extras[this.#tape[at + 1]!]! : ''
    span.start = 0
    span.end = span.text.length
    return true
  }

  #readable(): void {
    if (this.#released) throw new Error('rows read after their text was released')
  }
}

/**
 * Reads each `Data` element of a RowData call while the body streams in, with exactly the
 * meaning the element tree would give it (request-readers' readRow): per `RowData`, the first
 * `ColumnValues` with its `arrays:string` children in order, nil as null, an element's own text
 * only and none when it has children; the first `Operation`, trimmed; anything else ignored.
 * Depth 1 is a RowData, 2 its ColumnValues or Operation, 3 a value.
 */
class DataReader implements SubtreeReader {
  #buffers: string[] = []
  /** The generation of the last buffer kept, and its index. */
  #generation = -1
  #bufferIndex = -1
  #extras: string[] = []
  #tape: Int32Array<ArrayBuffer> = new Int32Array(3 * 1024)
  #values = 0
  #rowStarts: Int32Array<ArrayBuffer> = new Int32Array(256)
  #operations: Uint8Array<ArrayBuffer> = new Uint8Array(256)
  #otherOperations = new Map<number, string>()
  #rows = 0
  #readWhole = 0
  #stranger: string | undefined
  /** The namespace scope the rows were last offered in, and whether ROW_OPEN's spelling means there what it says. */
  readonly #prefixes = new CanonicalPrefixes()

  #depth = 0
  #sawValues = false
  #sawOperation = false
  #inValues = false
  /** The element whose text is being read: a value (depth 3) or the operation (depth 2). */
  #reading: 'value' | 'operation' | undefined
  #nil = false
  #hasChildren = false
  /** The text read so far: none, one piece in a buffer, or a string. */
  #pieces = 0
  #pieceBuffer = 0
  #pieceStart = 0
  #pieceEnd = 0
  #text = ''

  begin(): void {
    this.#buffers = []
    this.#generation = -1
    this.#extras = []
    this.#tape = new Int32Array(3 * 1024)
    this.#values = 0
    this.#rowStarts = new Int32Array(256)
    this.#operations = new Uint8Array(256)
    this.#otherOperations = new Map()
    this.#rows = 0
    this.#readWhole = 0
    this.#stranger = undefined
    this.#depth = 0
    this.#reading = undefined
  }

  open(ns: string, name: string, nil: boolean, depth: number): undefined {
    this.#depth = depth
    if (this.#reading) {
      if (depth === this.#readingDepth() + 1) this.#hasChildren = true
    } else if (depth === 1) {
      if (ns === NS.contract && name === 'RowData') this.#beginRow()
      else this.#ignoreStranger(ns, name)
    } else if (depth === 2 && ns === NS.contract) {
      if (name === 'ColumnValues' && !this.#sawValues) {
        this.#sawValues = true
        this.#inValues = true
      } else if (name === 'Operation' && !this.#sawOperation) {
        this.#sawOperation = true
        this.#start('operation', nil)
      }
    } else if (depth === 3 && this.#inValues && ns === NS.arrays && name === 'string') {
      this.#start('value', nil)
    }
  }

  text(text: string): void {
    if (!this.#reading || this.#depth !== this.#readingDepth()) return
    this.#text = this.#pieces === 0 ? text : this.#pieceText() + text
    this.#pieces = 2
  }

  textIn(buffer: string, start: number, end: number, generation: number): void {
    if (!this.#reading || this.#depth !== this.#readingDepth()) return
    if (this.#pieces > 0) {
      this.#text = this.#pieceText() + buffer.slice(start, end)
      this.#pieces = 2
      return
    }
    this.#pieces = 1
    this.#pieceBuffer = this.#bufferOf(buffer, generation)
    this.#pieceStart = start
    this.#pieceEnd = end
  }

  close(depth: number): void {
    this.#depth = depth - 1
    if (this.#reading && depth === this.#readingDepth()) this.#finish()
    if (depth === 2) this.#inValues = false
    if (depth === 1 && this.#rows > 0) this.#rowStarts[this.#rows] = this.#values
  }

  leaf(
    ns: string,
    name: string,
    depth: number,
    buffer: string,
    start: number,
    end: number,
    generation: number,
  ): undefined {
    if (depth === 3 && this.#inValues && !this.#reading && ns === NS.arrays && name === 'string') {
      // A value, the most common element of all, straight onto the tape: what open, textIn
      // and close would do for it.
      const at = this.#slot()
      const tape = this.#tape
      if (end === start) {
        tape[at] = EMPTY
        return
      }
      tape[at] = this.#bufferOf(buffer, generation)
      tape[at + 1] = start
      tape[at + 2] = end
      return
    }
    this.open(ns, name, false, depth)
    if (end > start) this.textIn(buffer, start, end, generation)
    this.close(depth)
  }

  /**
   * Whole rows of the Mirroring Task's own spelling (ROW_OPEN…ROW_CLOSE, nothing between the
   * tags) read straight onto the tape: what open, leaf and close do for each of their elements,
   * without the scanner's work per tag. A row is taken whole or not at all: one spelled
   * otherwise, cut off by the end of the chunk, or past the limits' room is left to the scanner.
   */
  content(buffer: string, pos: number, scope: NamespaceScope, generation: number, room: ContentRoom): number {
    if (this.#reading || room.depth < ROW_DEPTH || !this.#prefixes.boundIn(scope)) return pos
    let at = pos
    while (buffer.startsWith(ROW_OPEN, at)) {
      const end = this.#canonicalRow(buffer, at + ROW_OPEN.length, generation, room)
      if (end < 0) break
      at = end
    }
    return at
  }

  /**
   * The row whose values start at `at`, put on the tape past its last value, and taken (the
   * count of values moved on) only when all of it is read; where it ends, or -1.
   */
  #canonicalRow(buffer: string, at: number, generation: number, room: ContentRoom): number {
    CANONICAL_ROW.lastIndex = at
    if (!CANONICAL_ROW.test(buffer)) return -1
    const rowEnd = CANONICAL_ROW.lastIndex
    // The row is known well formed to its end: a value is told apart by its tag's tenth
    // character, and its text ends at the first '<'.
    const valuesEnd = rowEnd - ROW_TAIL
    const first = this.#values
    // Idempotent within a generation: the buffer is kept once, whether the row is taken or not.
    const source = this.#bufferOf(buffer, generation)
    let tape = this.#tape
    let values = first
    let text = 0
    let i = at
    while (i < valuesEnd) {
      let kind: number
      let start = 0
      let end = 0
      const tagEnd = buffer.charCodeAt(i + VALUE_OPEN.length - 1)
      if (tagEnd === GT) {
        start = i + VALUE_OPEN.length
        end = buffer.indexOf('<', start)
        kind = end === start ? EMPTY : source
        text += end - start
        i = end + VALUE_CLOSE.length
      } else if (tagEnd === SLASH) {
        kind = EMPTY
        i += EMPTY_VALUE.length
      } else {
        kind = NIL
        i += NIL_VALUE.length
      }
      const slot = values++ * 3
      if (slot + 3 > tape.length) tape = this.#tape = grown(tape, slot + 3)
      tape[slot] = kind
      tape[slot + 1] = start
      tape[slot + 2] = end
    }
    const elements = values - first + ROW_ELEMENTS
    const bytes = elements * room.elementBytes + text + 1
    if (elements > room.elements || bytes > room.bytes) return -1
    room.elements -= elements
    room.bytes -= bytes
    // What the open of RowData, its values and Operation and their closes leave behind.
    this.#values = values
    this.#beginRow()
    this.#rowStarts[this.#rows - 1] = first
    this.#operations[this.#rows - 1] = OPERATIONS.indexOf(buffer[valuesEnd + VALUES_CLOSE.length] as 'I' | 'U' | 'D')
    this.#sawValues = true
    this.#sawOperation = true
    this.#readWhole++
    return rowEnd
  }

  end(): CapturedRows {
    return new CapturedRows({
      buffers: this.#buffers,
      extras: this.#extras,
      tape: this.#tape,
      rowStarts: this.#rowStarts,
      operations: this.#operations,
      otherOperations: this.#otherOperations,
      rows: this.#rows,
      readWhole: this.#readWhole,
      stranger: this.#stranger,
    })
  }

  #beginRow(): void {
    const row = this.#rows++
    this.#rowStarts = grown(this.#rowStarts, row + 2)
    this.#operations = grown(this.#operations, row + 1)
    this.#rowStarts[row] = this.#values
    this.#rowStarts[row + 1] = this.#values
    this.#operations[row] = 0
    this.#sawValues = false
    this.#sawOperation = false
    this.#inValues = false
  }

  /** Recorded for the refusal; nothing inside it is read. */
  #ignoreStranger(ns: string, name: string): void {
    this.#stranger ??= clip(`{${ns}}${name}`)
    this.#sawValues = true
    this.#sawOperation = true
    this.#inValues = false
  }

  #readingDepth(): number {
    return this.#reading === 'operation' ? 2 : 3
  }

  #start(what: 'value' | 'operation', nil: boolean): void {
    this.#reading = what
    this.#nil = nil
    this.#hasChildren = false
    this.#pieces = 0
  }

  /** The text read so far as a string. */
  #pieceText(): string {
    if (this.#pieces === 0) return ''
    if (this.#pieces === 2) return this.#text
    return this.#buffers[this.#pieceBuffer]!.slice(this.#pieceStart, this.#pieceEnd)
  }

  #finish(): void {
    // As in the tree: an element with children has no text of its own.
    const pieces = this.#hasChildren ? 0 : this.#pieces
    if (this.#reading === 'value') this.#pushValue(pieces)
    else this.#setOperation(pieces)
    this.#reading = undefined
  }

  /** The next value's place on the tape, made room for. */
  #slot(): number {
    const at = this.#values++ * 3
    if (at + 3 > this.#tape.length) this.#tape = grown(this.#tape, at + 3)
    return at
  }

  /** The index of the buffer a piece of text is in, kept once per generation. */
  #bufferOf(buffer: string, generation: number): number {
    if (generation !== this.#generation) {
      this.#generation = generation
      this.#bufferIndex = this.#buffers.push(buffer) - 1
    }
    return this.#bufferIndex
  }

  #pushValue(pieces: number): void {
    const at = this.#slot()
    const tape = this.#tape
    if (this.#nil) tape[at] = NIL
    else if (pieces === 0) tape[at] = EMPTY
    else if (pieces === 1) {
      tape[at] = this.#pieceBuffer
      tape[at + 1] = this.#pieceStart
      tape[at + 2] = this.#pieceEnd
    } else {
      tape[at] = EXTRA
      tape[at + 1] = this.#extras.push(this.#text) - 1
    }
  }

  #setOperation(pieces: number): void {
    const row = this.#rows - 1
    if (this.#nil || pieces === 0) return
    const operation = (pieces === 2 ? this.#text : this.#pieceText()).trim()
    const code = OPERATIONS.indexOf(operation as (typeof OPERATIONS)[number])
    if (code > 0) this.#operations[row] = code
    else this.#otherOperations.set(row, operation)
  }
}

export function rowDataCapture(): SubtreeCapture {
  return { ns: NS.contract, name: 'Data', reader: new DataReader() }
}

/**
 * Rows of a parsed RowData request that the scanner read tag by tag: those not spelled as the
 * Mirroring Task writes them, and those cut by the end of a piece of the body (about one a 64 KB).
 */
export function rowsScanned(root: XmlElement): number {
  let scanned = 0
  const stack = [root]
  while (stack.length > 0) {
    const element = stack.pop()!
    if (element.captured instanceof CapturedRows) scanned += element.captured.length - element.captured.readWhole
    for (const child of element.children) stack.push(child)
  }
  return scanned
}
