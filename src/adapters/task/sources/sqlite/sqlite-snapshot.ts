import type Database from 'better-sqlite3'
import type { SourceChange, SourceSnapshot } from '../../../../application/task/ports/change-source.port.ts'
import type { Row } from '../../../../domain/changes/cell-value.ts'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { canonicalRow, deletedRow, keyPositions } from '../source-rows.ts'
import { foldCase, primaryKey, readTable } from './sqlite-catalog.ts'
import { cached } from './sqlite-statements.ts'
import { keyPart, quoteId } from './sqlite-tracking-sql.ts'

/** Rows handed out between two turns of the event loop: better-sqlite3 reads synchronously. */
const ROWS_PER_TURN = 500
/** Rows of a table read by one call into SQLite in a full load (keyPages). */
const PAGE_ROWS = 500

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Reads of one SQLite read transaction. WAL gives it a snapshot as of its first read, which
 * was the version, so every read here agrees with `currentVersion`. The connection is its own:
 * better-sqlite3 cannot run a statement while another streams, so one stream at a time.
 */
export class SqliteSnapshot implements SourceSnapshot {
  readonly #db: Database.Database
  readonly #current: number
  #streaming = false
  #handedOut = 0
  readonly #keys = new Map<string, TableKey>()

  constructor(db: Database.Database, current: number) {
    this.#db = db
    this.#current = current
  }

  async currentVersion(): Promise<number> {
    return this.#current
  }

  async minValidVersion(table: string): Promise<number> {
    this.#idle()
    const row = cached(this.#db, `select min_valid_version from "_tm_ct_tables" where table_name = ?`).get(table) as
      | { min_valid_version: bigint }
      | undefined
    if (!row) throw new Error(`source table ${table} is not tracked`)
    return Number(row.min_valid_version)
  }

  /** Read inside the transaction: WAL keeps the schema of its snapshot too. */
  async tableSchema(table: string): Promise<WireTableSchema | undefined> {
    this.#idle()
    return readTable(this.#db, table)
  }

  async countRows(table: string): Promise<number> {
    this.#idle()
    const { table: spelled } = this.#key(table)
    const row = this.#db.prepare(`select count(*) as n from ${quoteId(spelled)}`).get() as { n: bigint }
    return Number(row.n)
  }

  async countChanges(table: string, since: number): Promise<number> {
    this.#idle()
    const row = cached(
      this.#db,
      `select count(*) as n from "_tm_ct_changes" where table_name = ? and version > ? and version <= ?`,
    ).get(table, since, this.#current) as { n: bigint }
    return Number(row.n)
  }

  readRows(table: TableSchema): AsyncIterable<Row> {
    return this.#rows(() => {
      this.#idle()
      const key = this.#key(table.name)
      const columns = table.columns.map((c) => quoteId(c.name)).join(', ')
      const order = key.columns.map(quoteId).join(', ')
      const keyAt = keyPositions(table, key.columns)
      const map = (raw: unknown[]) => canonicalRow(table, raw, keyAt)
      const all = `select ${columns} from ${quoteId(key.table)}`
      if (!this.#keysPresent(key)) {
        return { rows: this.#db.prepare(`${all} order by ${order}`).raw(true).iterate(), map }
      }
      const after =
        key.columns.length === 1 ? `${order} > ?` : `(${order}) > (${key.columns.map(() => '?').join(', ')})`
      const first = this.#db.prepare(`${all} order by ${order} limit ${PAGE_ROWS}`).raw(true)
      const next = this.#db.prepare(`${all} where ${after} order by ${order} limit ${PAGE_ROWS}`).raw(true)
      return { rows: keyPages(first, next, keyAt), map }
    })
  }

  readChanges(table: TableSchema, since: number): AsyncIterable<SourceChange> {
    return this.#rows(() => {
      this.#idle()
      const key = this.#key(table.name)
      const parts = key.columns.map((_, i) => keyPart('c', i))
      const join = key.columns.map((column, i) => `t.${quoteId(column)} = ${parts[i]}`).join(' and ')
      const columns = table.columns.map((c) => `t.${quoteId(c.name)}`).join(', ')
      const statement = this.#db
        .prepare(
          `select c.version, c.creation_version > ? as created, t.${quoteId(key.columns[0]!)} is not null as present,
           ${parts.join(', ')}, ${columns}
         from "_tm_ct_changes" c left join ${quoteId(key.table)} t on ${join}
         where c.table_name = ? and c.version > ? and c.version <= ?
         order by c.version, c.key`,
        )
        .raw(true)
      const keyAt = keyPositions(table, key.columns)
      const width = key.columns.length
      const map = (values: unknown[]): SourceChange => {
        const version = Number(values[0])
        // Whether the row is there now decides D, as CHANGETABLE's join does: a key swapped
        // within one statement has a D recorded last and a row present.
        if (!Number(values[2])) {
          return { operation: 'D', version, row: deletedRow(table, values.slice(3, 3 + width), keyAt) }
        }
        const row = canonicalRow(table, values.slice(3 + width), keyAt)
        return { operation: Number(values[1]) ? 'I' : 'U', version, row }
      }
      return { rows: statement.iterate(since, table.name, since, this.#current), map }
    })
  }

  /**
   * A statement's rows, mapped, as an async iterator written out rather than an async generator:
   * a full load hands out millions of rows, and a generator's machinery per row costs more than
   * reading it. The rows are opened on the first `next`, as a generator's body would run;
   * the stream ends (and the connection is free again) when the rows run out, a row fails, or
   * the reader stops early. One `next` at a time, as `for await` asks.
   */
  #rows<T>(open: () => { rows: Iterator<unknown>; map: (raw: unknown[]) => T }): AsyncIterableIterator<T> {
    let source: Iterator<unknown> | undefined
    let map: ((raw: unknown[]) => T) | undefined
    let ended = false
    /** Ends the stream; `failed`: the statement's own step threw, and has let go of it already. */
    const end = (failed = false) => {
      if (ended) return
      ended = true
      if (source === undefined) return
      try {
        if (!failed) source.return?.()
      } finally {
        this.#streaming = false
      }
    }
    const iterator: AsyncIterableIterator<T> = {
      next: (): Promise<IteratorResult<T>> => {
        if (ended) return Promise.resolve({ done: true, value: undefined })
        try {
          if (source === undefined) {
            const opened = open()
            map = opened.map
            source = opened.rows
            this.#streaming = true
          }
          let step: IteratorResult<unknown>
          try {
            step = source.next()
          } catch (error) {
            end(true)
            throw error
          }
          if (step.done) {
            end()
            return Promise.resolve({ done: true, value: undefined })
          }
          const result: IteratorResult<T> = { done: false, value: map!(step.value as unknown[]) }
          return this.#tick() ? breathe().then(() => result) : Promise.resolve(result)
        } catch (error) {
          end()
          return Promise.reject(error)
        }
      },
      return: (): Promise<IteratorResult<T>> => {
        end()
        return Promise.resolve({ done: true, value: undefined })
      },
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  #tick(): boolean {
    return ++this.#handedOut % ROWS_PER_TURN === 0
  }

  #idle(): void {
    if (this.#streaming) throw new Error('a source snapshot reads one stream at a time; finish the open one first')
  }

  /**
   * Whether every row has its whole key: then a full load reads the table a page at a time from
   * the last key read (keyPages). A key column not declared NOT NULL may still hold none in the
   * snapshot; asked once a table and snapshot, from the key's own index.
   */
  #keysPresent(key: TableKey): boolean {
    if (key.nullable.length === 0) return true
    key.present ??=
      this.#db
        .prepare(
          `select 1 from ${quoteId(key.table)} where ${key.nullable.map((c) => `${quoteId(c)} is null`).join(' or ')} limit 1`,
        )
        .get() === undefined
    return key.present
  }

  /** Read once a snapshot: its schema cannot change while its read transaction lasts. */
  #key(table: string): TableKey {
    const name = foldCase(table)
    let key = this.#keys.get(name)
    if (!key) {
      key = primaryKey(this.#db, table)
      if (key.columns.length === 0) throw new Error(`source table ${table} does not exist or has no primary key`)
      this.#keys.set(name, key)
    }
    return key
  }
}

/** A table's key as a snapshot reads it; `present` once known: no row of the snapshot lacks a key value. */
interface TableKey {
  readonly table: string
  readonly columns: string[]
  readonly nullable: string[]
  present?: boolean
}

/**
 * The rows of `first`, then of `next` after the last row's key, `PAGE_ROWS` at a time: one call
 * into SQLite a page rather than one a row, as an iterator makes (0.86–0.93 against 1.04–1.10 µs
 * a row of the benchmark's table). `next`'s comparison of the key with the key read uses the
 * columns' own collations and affinities, as its ORDER BY does, and the key is unique, so no row
 * is read twice or left out; a NULL in the key would compare as unknown, so a table whose rows
 * may lack one is read by an iterator instead.
 */
function keyPages(first: Database.Statement, next: Database.Statement, keyAt: readonly number[]): Iterator<unknown> {
  let page = first.all() as unknown[][]
  let at = 0
  return {
    next(): IteratorResult<unknown> {
      if (at === page.length) {
        if (page.length < PAGE_ROWS) return { done: true, value: undefined }
        const last = page[page.length - 1]!
        page = next.all(...keyAt.map((k) => last[k])) as unknown[][]
        at = 0
        if (page.length === 0) return { done: true, value: undefined }
      }
      return { done: false, value: page[at++] }
    },
  }
}
