import type pg from 'pg'
import Cursor from 'pg-cursor'
import type { SourceChange, SourceSnapshot } from '../../../../application/task/ports/change-source.port.ts'
import type { Row } from '../../../../domain/changes/cell-value.ts'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { canonicalRow, deletedRow, keyPositions } from '../source-rows.ts'
import { primaryKey, readTables } from './postgres-catalog.ts'
import { quoteId } from './postgres-connection.ts'

/**
 * Rows fetched per round trip: small enough that a table of large rows (documents, images)
 * does not sit in memory a thousand at a time, large enough to keep round trips cheap.
 */
const ROWS_PER_FETCH = 200

/**
 * Reads of one `REPEATABLE READ READ ONLY` transaction, whose snapshot was fixed by reading the
 * version: every read here agrees with `currentVersion`. Streams go through a cursor on the
 * transaction's own connection, which can serve one statement at a time.
 */
export class PostgresSnapshot implements SourceSnapshot {
  readonly #client: pg.PoolClient
  readonly #schema: string
  readonly #current: number
  #streaming = false

  constructor(client: pg.PoolClient, schema: string, current: number) {
    this.#client = client
    this.#schema = schema
    this.#current = current
  }

  async currentVersion(): Promise<number> {
    return this.#current
  }

  /** Read inside the snapshot's transaction: the catalog is read under the same snapshot. */
  async tableSchema(table: string): Promise<WireTableSchema | undefined> {
    this.#idle()
    return (await readTables(this.#client, this.#schema, table))[0]
  }

  async minValidVersion(table: string): Promise<number> {
    this.#idle()
    const { rows } = await this.#client.query<{ min_valid_version: string }>(
      `select min_valid_version from ${this.#name('_tm_ct_tables')} where table_name = $1`,
      [table],
    )
    if (!rows[0]) throw new Error(`source table ${table} is not tracked`)
    return Number(rows[0].min_valid_version)
  }

  async countRows(table: string): Promise<number> {
    this.#idle()
    const { rows } = await this.#client.query<{ n: string }>(`select count(*) as n from ${this.#name(table)}`)
    return Number(rows[0]!.n)
  }

  async countChanges(table: string, since: number): Promise<number> {
    this.#idle()
    const { rows } = await this.#client.query<{ n: string }>(
      `select count(*) as n from ${this.#name('_tm_ct_changes')} where table_name = $1 and version > $2 and version <= $3`,
      [table, since, this.#current],
    )
    return Number(rows[0]!.n)
  }

  async *readRows(table: TableSchema): AsyncIterable<Row> {
    this.#idle()
    const key = await this.#key(table.name)
    const columns = table.columns.map((c) => quoteId(c.name)).join(', ')
    const order = key.map(quoteId).join(', ')
    const keyAt = keyPositions(table, key)
    for await (const raw of this.#stream(`select ${columns} from ${this.#name(table.name)} order by ${order}`, [])) {
      yield canonicalRow(table, raw, keyAt)
    }
  }

  /**
   * CHANGETABLE(CHANGES …) joined to the table. The stored JSON key is turned back into typed
   * values by jsonb_populate_record over the table's own row type, so the join uses the
   * primary key index and a deleted key comes back in its column's type.
   */
  async *readChanges(table: TableSchema, since: number): AsyncIterable<SourceChange> {
    this.#idle()
    const key = await this.#key(table.name)
    const keyAt = keyPositions(table, key)
    const fields = key.map((_, i) => `$${i + 5}::text, c.key -> ${i}`).join(', ')
    const join = key.map((column) => `t.${quoteId(column)} = k.${quoteId(column)}`).join(' and ')
    const text = `
      select c.version, c.creation_version > $1 as created, t.ctid is not null as present,
             ${key.map((column) => `k.${quoteId(column)}`).join(', ')},
             ${table.columns.map((c) => `t.${quoteId(c.name)}`).join(', ')}
      from ${this.#name('_tm_ct_changes')} c
      cross join lateral jsonb_populate_record(null::${this.#name(table.name)}, jsonb_build_object(${fields})) k
      left join ${this.#name(table.name)} t on ${join}
      where c.table_name = $2 and c.version > $3 and c.version <= $4
      order by c.version, c.key`
    const width = key.length
    for await (const raw of this.#stream(text, [since, table.name, since, this.#current, ...key])) {
      const version = Number(raw[0])
      // Whether the row is there now decides D, as CHANGETABLE's join does: keys swapped
      // within one statement have a D recorded last and a row present.
      if (raw[2] !== true) {
        yield { operation: 'D', version, row: deletedRow(table, raw.slice(3, 3 + width), keyAt) }
      } else {
        yield { operation: raw[1] === true ? 'I' : 'U', version, row: canonicalRow(table, raw.slice(3 + width), keyAt) }
      }
    }
  }

  async *#stream(text: string, values: unknown[]): AsyncGenerator<unknown[]> {
    this.#streaming = true
    const cursor = this.#client.query(new Cursor<unknown[]>(text, values, { rowMode: 'array' }))
    try {
      for (;;) {
        const rows = await cursor.read(ROWS_PER_FETCH)
        if (rows.length === 0) return
        yield* rows
      }
    } finally {
      this.#streaming = false
      // A cursor whose query failed has nothing left to close; the transaction's end reports the state.
      await cursor.close().catch(() => {})
    }
  }

  #idle(): void {
    if (this.#streaming) throw new Error('a source snapshot reads one stream at a time; finish the open one first')
  }

  #name(table: string): string {
    return `${quoteId(this.#schema)}.${quoteId(table)}`
  }

  async #key(table: string): Promise<string[]> {
    const key = await primaryKey(this.#client, this.#schema, table)
    if (!key || key.columns.length === 0) throw new Error(`source table ${table} does not exist or has no primary key`)
    return key.columns
  }
}
