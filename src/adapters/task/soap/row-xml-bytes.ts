import type { Row } from '../../../domain/changes/cell-value.ts'
import type { RowOperation } from '../../../domain/changes/change-batch.ts'
import { isCanonicalDateTime, wireValueEncoder } from '../../../domain/changes/wire-value-encode-fast.ts'
import type { TableSchema } from '../../../domain/schema/table-schema.ts'
import { NS } from '../../soap/namespaces.ts'
import { element, escapeXml } from '../../soap/xml-text.ts'
import type { RowSlab, RowSlabs } from './row-slabs.ts'

/** Where a row's RowData XML was written: `bytes` bytes of `slab` from `start`, while `generation` holds. */
export interface SlabRow {
  readonly bytes: number
  readonly slab: RowSlab
  readonly start: number
  readonly generation: number
}

/** A RowData row's XML around its values, and a null's and an empty string's, as `writeRowXml` writes them. */
export const ROW_XML = {
  open: `<a:RowData><a:ColumnValues xmlns:b="${NS.arrays}">`,
  close: {
    I: `</a:ColumnValues>${element('a:Operation', 'I')}</a:RowData>`,
    U: `</a:ColumnValues>${element('a:Operation', 'U')}</a:RowData>`,
    D: `</a:ColumnValues>${element('a:Operation', 'D')}</a:RowData>`,
  } as Readonly<Record<string, string>>,
  nil: '<b:string i:nil="true"/>',
  empty: '<b:string/>',
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))

const ROW_OPEN = ascii(ROW_XML.open)
const ROW_CLOSE: Readonly<Record<RowOperation, Uint8Array>> = {
  I: ascii(ROW_XML.close.I!),
  U: ascii(ROW_XML.close.U!),
  D: ascii(ROW_XML.close.D!),
}
const NIL = ascii(ROW_XML.nil)
const EMPTY = ascii(ROW_XML.empty)
const OPEN = ascii('<b:string>')
const CLOSE = ascii('</b:string>')
const OPEN_INT = ascii('<b:string>[I:')
const OPEN_SMALLINT = ascii('<b:string>[S:')
const OPEN_DATETIME = ascii('<b:string>[DT:')
const CLOSE_VALUE = ascii(']</b:string>')

/** How a column's values are written when they have their common shape; anything else goes as text. */
const INTEGER = 0
const SMALLINT = 1
const DATETIME = 2
const TEXT = 3
const OTHER = 4

/** What the first pass found of each value: written from the value itself, or from `texts`. */
const AS_NIL = 0
const AS_EMPTY = 1
const AS_TEXT = 2
const AS_INTEGER = 3
const AS_DATETIME = 4
const AS_RAW = 5

/** The most a value written from the value itself takes, tags included. */
const MOST_FAST = 64

/**
 * A table's rows written as RowData XML straight into slabs, byte for byte what the row's wire
 * values (`wireValueEncoder`) make through `rowXml`: an integer that is a 32-bit number and a
 * datetime in its canonical 27 characters are written digit by digit, with no string made on
 * the way; any other value becomes its wire text (escaped) and goes in as UTF-8. A full load
 * writes every value of millions of rows this way (tests hold it to the text writer's output).
 * Undefined for a row that could need more than a slab: the caller writes it as text.
 */
export function rowXmlWriter(table: TableSchema, slabs: RowSlabs) {
  const types = table.columns.map((c) => c.type)
  const encoders = types.map(wireValueEncoder)
  const kinds = types.map((type) =>
    type.kind === 'integer'
      ? type.size === 'smallint'
        ? SMALLINT
        : INTEGER
      : type.kind === 'datetime' || type.kind === 'datetime2'
        ? DATETIME
        : type.kind === 'string' || type.kind === 'text' || type.kind === 'xml'
          ? TEXT
          : OTHER,
  )
  const width = types.length
  const how = new Uint8Array(width)
  const texts: (string | undefined)[] = new Array(width)

  return (operation: RowOperation, row: Row): SlabRow | undefined => {
    let most = ROW_OPEN.length + ROW_CLOSE[operation].length
    for (let i = 0; i < width; i++) {
      const value = row[i]!
      const kind = kinds[i]!
      texts[i] = undefined
      if (value === null) {
        how[i] = AS_NIL
        most += NIL.length
      } else if (kind <= SMALLINT && typeof value === 'number' && (value | 0) === value) {
        how[i] = AS_INTEGER
        most += MOST_FAST
      } else if (kind === DATETIME && typeof value === 'string' && isCanonicalDateTime(value)) {
        how[i] = AS_DATETIME
        most += MOST_FAST
      } else if (kind === TEXT && typeof value === 'string' && value !== '') {
        how[i] = AS_RAW
        texts[i] = value
        // Escaped, a character takes at most five bytes (`&amp;`); in UTF-8 at most three.
        most += OPEN.length + CLOSE.length + 5 * value.length
      } else {
        const wire = encoders[i]!(value)
        if (wire === null) {
          how[i] = AS_NIL
          most += NIL.length
        } else if (wire === '') {
          how[i] = AS_EMPTY
          most += EMPTY.length
        } else {
          const text = escapeXml(wire)
          how[i] = AS_TEXT
          texts[i] = text
          most += OPEN.length + CLOSE.length + 3 * text.length
        }
      }
    }
    if (most > slabs.capacity) return undefined
    const slab = slabs.room(most)
    const out = slab.buffer
    const start = slab.used
    let at = put(out, ROW_OPEN, start)
    for (let i = 0; i < width; i++) {
      switch (how[i]) {
        case AS_NIL:
          at = put(out, NIL, at)
          break
        case AS_EMPTY:
          at = put(out, EMPTY, at)
          break
        case AS_TEXT:
          at = put(out, OPEN, at)
          at += out.write(texts[i]!, at)
          at = put(out, CLOSE, at)
          break
        case AS_RAW:
          at = put(out, OPEN, at)
          at = putText(out, texts[i]!, at)
          at = put(out, CLOSE, at)
          break
        case AS_INTEGER:
          at = put(out, kinds[i] === SMALLINT ? OPEN_SMALLINT : OPEN_INT, at)
          at = putInteger(out, row[i] as number, at)
          at = put(out, CLOSE_VALUE, at)
          break
        default:
          at = put(out, OPEN_DATETIME, at)
          at = putDateTime(out, row[i] as string, at)
          at = put(out, CLOSE_VALUE, at)
      }
    }
    at = put(out, ROW_CLOSE[operation], at)
    slab.used = at
    slab.live++
    return { bytes: at - start, slab, start, generation: slab.generation }
  }
}

function put(out: Uint8Array, bytes: Uint8Array, at: number): number {
  out.set(bytes, at)
  return at + bytes.length
}

/**
 * Text as escapeXml and UTF-8 make it: character by character while each is printable ASCII with
 * nothing to escape (most names and addresses), else the whole value the general way.
 */
function putText(out: Buffer, text: string, at: number): number {
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    // Below a space (controls, and \t \n \r, which the general way keeps or escapes), & < >, or not ASCII.
    if (c < 32 || c > 126 || c === 38 || c === 60 || c === 62) return at + out.write(escapeXml(text), at)
    out[at + i] = c
  }
  return at + n
}

/** A 32-bit integer's decimal digits, as String(n) writes them. */
function putInteger(out: Uint8Array, n: number, at: number): number {
  if (n < 0) {
    out[at++] = 45
    // -2147483648 has no 32-bit opposite; as a double it is exact.
    n = -n
  }
  let digits = 1
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 48 + (n % 10)
    n = Math.floor(n / 10)
  }
  return at + digits
}

/** `[DT:` … `]`'s inside: `MM/dd/yyyy HH:mm:ss.fffffff` from the canonical text's characters. */
function putDateTime(out: Uint8Array, v: string, at: number): number {
  out[at] = v.charCodeAt(5)
  out[at + 1] = v.charCodeAt(6)
  out[at + 2] = 47
  out[at + 3] = v.charCodeAt(8)
  out[at + 4] = v.charCodeAt(9)
  out[at + 5] = 47
  out[at + 6] = v.charCodeAt(0)
  out[at + 7] = v.charCodeAt(1)
  out[at + 8] = v.charCodeAt(2)
  out[at + 9] = v.charCodeAt(3)
  // From the space on, the canonical text and the wire's are the same characters.
  for (let i = 10; i < 27; i++) out[at + i] = v.charCodeAt(i)
  return at + 27
}
