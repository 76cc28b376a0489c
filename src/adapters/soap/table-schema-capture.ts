import type { WireTableSchema } from '../../domain/protocol/messages.ts'
import { clip } from '../../domain/shared/clip.ts'
import type { NamespaceScope } from '../xml/xml-scanner.ts'
import type { ContentRoom, SubtreeCapture, SubtreeReader } from '../xml/xml-tree.ts'
import { CanonicalPrefixes, PLAIN_TEXT } from './canonical-spelling.ts'
import { NS } from './namespaces.ts'

/** The first element of a list container that is not one of its items, as request-readers reports it. */
export interface CapturedStranger {
  readonly container: 'Tables' | 'Columns'
  readonly item: 'TableSchemaInfo' | 'ColumnInfo'
  readonly element: string
}

/** A TableSchema call's `Tables`, read while the body streamed in. */
export class CapturedTables {
  readonly tables: readonly WireTableSchema[]
  /** Set when the request is refused: a stranger in `Tables`, else the first in a table's `Columns`. */
  readonly stranger: CapturedStranger | undefined

  constructor(tables: readonly WireTableSchema[], stranger: CapturedStranger | undefined) {
    this.tables = tables
    this.stranger = stranger
  }
}

/** Estimated bytes of a table and of a column object (their strings are counted as text), measured with V8's heap. */
const TABLE_BYTES = 96
const COLUMN_BYTES = 96

type Field = 'name' | 'type' | 'isNullable' | 'defaultValue'

/**
 * A table as the Mirroring Task writes it (WCF's compact output, members in alphabetical order),
 * read by TablesReader.content without the scanner when `a` and `i` are bound, where the tables
 * are, to the contract's and XML Schema instance's namespaces; anything else is read the general
 * way. A field is plain text (plain-text-pattern.ts), empty or nil.
 */
const TABLE_OPEN = '<a:TableSchemaInfo><a:Columns>'
const field = (name: string) =>
  `(?:<a:${name}>(${PLAIN_TEXT})<\\/a:${name}>|<a:${name}\\/>|<a:${name} i:nil="true"\\/>)`
const CANONICAL_COLUMN = new RegExp(
  `<a:ColumnInfo>${field('DefaultValue')}${field('IsNullable')}${field('Name')}${field('Type')}<\\/a:ColumnInfo>`,
  'y',
)
const CANONICAL_TABLE_CLOSE = new RegExp(
  `<\\/a:Columns><a:TableName>(${PLAIN_TEXT})<\\/a:TableName><\\/a:TableSchemaInfo>`,
  'y',
)
/** A field sits four levels below Tables: TableSchemaInfo, Columns, ColumnInfo, the field. */
const FIELD_DEPTH = 4
/** Elements of a table besides its columns' (ColumnInfo and four fields each): TableSchemaInfo, Columns, TableName. */
const TABLE_ELEMENTS = 3
const COLUMN_ELEMENTS = 5

const FIELDS: ReadonlyMap<string, Field> = new Map([
  ['Name', 'name'],
  ['Type', 'type'],
  ['IsNullable', 'isNullable'],
  ['DefaultValue', 'defaultValue'],
])

/**
 * Reads a TableSchema call's `Tables` with exactly the meaning the element tree gives it
 * (request-readers' readTableSchema): per `TableSchemaInfo`, the first `TableName` and the
 * `ColumnInfo` items of the first `Columns`, each with the first of its `Name`, `Type`,
 * `IsNullable` and `DefaultValue`; nil and absent read as empty, an element with children has no
 * text of its own; anything else in `Tables` or in a table's `Columns` refuses the call, named.
 * The 413-table schema SuperOffice sends every cycle is 30,000 elements: as tree nodes they cost
 * more to build and collect than the tables made of them. Depth 1 is a table, 2 its name or
 * columns, 3 a column, 4 a column's field.
 */
class TablesReader implements SubtreeReader {
  #tables: WireTableSchema[] = []
  #tablesStranger: string | undefined
  #columnsStranger: string | undefined
  #depth = 0
  #table: { name: string; columns: Record<Field, string>[] } | undefined
  #sawName = false
  #sawColumns = false
  #inColumns = false
  #column: Record<Field, string> | undefined
  #seen = new Set<Field>()
  /** The element whose text is being read: the table's name (depth 2) or a column's field (depth 4). */
  #reading: 'table' | Field | undefined
  #nil = false
  #hasChildren = false
  #text = ''
  readonly #prefixes = new CanonicalPrefixes()

  begin(): void {
    this.#tables = []
    this.#tablesStranger = undefined
    this.#columnsStranger = undefined
    this.#depth = 0
    this.#table = undefined
    this.#column = undefined
    this.#inColumns = false
    this.#reading = undefined
  }

  open(ns: string, name: string, nil: boolean, depth: number): number | undefined {
    this.#depth = depth
    if (this.#reading) {
      if (depth === this.#readingDepth() + 1) this.#hasChildren = true
      return undefined
    }
    const contract = ns === NS.contract
    if (depth === 1) {
      if (contract && name === 'TableSchemaInfo') {
        this.#table = { name: '', columns: [] }
        this.#tables.push(this.#table)
        this.#sawName = false
        this.#sawColumns = false
        return TABLE_BYTES
      } else {
        this.#tablesStranger ??= clip(`{${ns}}${name}`)
        this.#table = undefined
      }
    } else if (depth === 2 && this.#table && contract) {
      if (name === 'TableName' && !this.#sawName) {
        this.#sawName = true
        this.#start('table', nil)
      } else if (name === 'Columns' && !this.#sawColumns) {
        this.#sawColumns = true
        this.#inColumns = true
      }
    } else if (depth === 3 && this.#inColumns) {
      if (contract && name === 'ColumnInfo') {
        this.#column = { name: '', type: '', isNullable: '', defaultValue: '' }
        this.#table!.columns.push(this.#column)
        this.#seen.clear()
        return COLUMN_BYTES
      } else this.#columnsStranger ??= clip(`{${ns}}${name}`)
    } else if (depth === 4 && this.#column && contract) {
      const field = FIELDS.get(name)
      if (field !== undefined && !this.#seen.has(field)) {
        this.#seen.add(field)
        this.#start(field, nil)
      }
    }
    return undefined
  }

  text(text: string): void {
    if (this.#reading && this.#depth === this.#readingDepth()) this.#text += text
  }

  textIn(buffer: string, start: number, end: number): void {
    if (this.#reading && this.#depth === this.#readingDepth()) this.#text += buffer.slice(start, end)
  }

  close(depth: number): void {
    if (this.#reading && depth === this.#readingDepth()) this.#finish()
    if (depth === 3) this.#column = undefined
    else if (depth === 2) this.#inColumns = false
    else if (depth === 1) this.#table = undefined
    this.#depth = depth - 1
  }

  leaf(ns: string, name: string, depth: number, buffer: string, start: number, end: number): number | undefined {
    const extra = this.open(ns, name, false, depth)
    if (end > start) this.textIn(buffer, start, end)
    this.close(depth)
    return extra
  }

  /**
   * Whole tables of the Mirroring Task's spelling at `pos`, each taken only when all of it is
   * there and within the limits' room, at the cost the scanner would have counted; where they
   * end. The 413-table schema of every cycle is 30,000 elements: tag by tag it took about 10 ms.
   */
  content(buffer: string, pos: number, scope: NamespaceScope, _generation: number, room: ContentRoom): number {
    if (this.#reading || room.depth < FIELD_DEPTH || !this.#prefixes.boundIn(scope)) return pos
    let at = pos
    while (buffer.startsWith(TABLE_OPEN, at)) {
      const end = this.#canonicalTable(buffer, at + TABLE_OPEN.length, room)
      if (end < 0) break
      at = end
    }
    return at
  }

  /** The table whose columns start at `at`, taken whole or not at all; where it ends, or -1. */
  #canonicalTable(buffer: string, at: number, room: ContentRoom): number {
    const columns: Record<Field, string>[] = []
    let text = 0
    let i = at
    for (;;) {
      CANONICAL_COLUMN.lastIndex = i
      const match = CANONICAL_COLUMN.exec(buffer)
      if (!match) break
      const column = {
        name: match[3] ?? '',
        type: match[4] ?? '',
        isNullable: match[2] ?? '',
        defaultValue: match[1] ?? '',
      }
      text += column.name.length + column.type.length + column.isNullable.length + column.defaultValue.length
      columns.push(column)
      i = CANONICAL_COLUMN.lastIndex
    }
    CANONICAL_TABLE_CLOSE.lastIndex = i
    const close = CANONICAL_TABLE_CLOSE.exec(buffer)
    if (!close) return -1
    const name = close[1]!
    const elements = TABLE_ELEMENTS + COLUMN_ELEMENTS * columns.length
    const bytes = elements * room.elementBytes + TABLE_BYTES + columns.length * COLUMN_BYTES + text + name.length
    if (elements > room.elements || bytes > room.bytes) return -1
    room.elements -= elements
    room.bytes -= bytes
    this.#tables.push({ name, columns })
    return CANONICAL_TABLE_CLOSE.lastIndex
  }

  end(): CapturedTables {
    const stranger: CapturedStranger | undefined =
      this.#tablesStranger !== undefined
        ? { container: 'Tables', item: 'TableSchemaInfo', element: this.#tablesStranger }
        : this.#columnsStranger !== undefined
          ? { container: 'Columns', item: 'ColumnInfo', element: this.#columnsStranger }
          : undefined
    return new CapturedTables(this.#tables, stranger)
  }

  #readingDepth(): number {
    return this.#reading === 'table' ? 2 : 4
  }

  #start(what: 'table' | Field, nil: boolean): void {
    this.#reading = what
    this.#nil = nil
    this.#hasChildren = false
    this.#text = ''
  }

  #finish(): void {
    // As in the tree: nil reads as empty, and an element with children has no text of its own.
    const text = this.#nil || this.#hasChildren ? '' : this.#text
    if (this.#reading === 'table') this.#table!.name = text
    else this.#column![this.#reading!] = text
    this.#reading = undefined
    this.#text = ''
  }
}

export function tableSchemaCapture(): SubtreeCapture {
  return { ns: NS.mirroring, name: 'Tables', reader: new TablesReader() }
}
