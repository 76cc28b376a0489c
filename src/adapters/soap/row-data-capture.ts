import type { WireRow } from '../../domain/protocol/messages.ts'
import type { SubtreeCapture, SubtreeReader } from '../xml/xml-tree.ts'
import { NS } from './namespaces.ts'

/**
 * Reads each `<RowData>` of a RowData call straight into a WireRow while the body streams in,
 * with exactly the meaning the element tree would give it (request-readers' readRow): the first
 * `ColumnValues`, its `arrays:string` children in order, nil as null, an element's own text
 * only and none when it has children; `Operation` trimmed; anything else ignored.
 */
class RowDataReader implements SubtreeReader {
  #values: (string | null)[] = []
  #operation = ''
  #sawValues = false
  #sawOperation = false
  #inValues = false
  /** Depth of the innermost open element; the RowData element itself is 0. */
  #depth = 0
  /** The element whose text is being read: a value (depth 2) or the operation (depth 1). */
  #reading: 'value' | 'operation' | undefined
  #text = ''
  #nil = false
  #hasChildren = false

  begin(): void {
    this.#values = []
    this.#operation = ''
    this.#sawValues = false
    this.#sawOperation = false
    this.#inValues = false
    this.#depth = 0
    this.#reading = undefined
  }

  open(ns: string, name: string, nil: boolean, depth: number): void {
    this.#depth = depth
    if (this.#reading) {
      if (depth === this.#readingDepth() + 1) this.#hasChildren = true
    } else if (depth === 1 && ns === NS.contract) {
      if (name === 'ColumnValues' && !this.#sawValues) {
        this.#sawValues = true
        this.#inValues = true
      } else if (name === 'Operation' && !this.#sawOperation) {
        this.#sawOperation = true
        this.#start('operation', nil)
      }
    } else if (depth === 2 && this.#inValues && ns === NS.arrays && name === 'string') {
      this.#start('value', nil)
    }
  }

  text(text: string): void {
    if (this.#reading && this.#depth === this.#readingDepth()) this.#text += text
  }

  close(depth: number): void {
    this.#depth = depth - 1
    if (this.#reading && depth === this.#readingDepth()) this.#finish()
    if (depth === 1) this.#inValues = false
  }

  end(): WireRow {
    return { operation: this.#operation.trim(), values: this.#values }
  }

  #readingDepth(): number {
    return this.#reading === 'operation' ? 1 : 2
  }

  #start(what: 'value' | 'operation', nil: boolean): void {
    this.#reading = what
    this.#text = ''
    this.#nil = nil
    this.#hasChildren = false
  }

  #finish(): void {
    // As in the tree: an element with children has no text of its own.
    const text = this.#hasChildren ? '' : this.#text
    if (this.#reading === 'value') this.#values.push(this.#nil ? null : text)
    else this.#operation = this.#nil ? '' : text
    this.#reading = undefined
  }
}

export function rowDataCapture(): SubtreeCapture {
  return { ns: NS.contract, name: 'RowData', reader: new RowDataReader() }
}
