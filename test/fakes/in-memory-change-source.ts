import type {
  ChangeSource,
  ChangeSourceFactory,
  SourceChange,
  SourceSnapshot,
} from '../../src/application/task/ports/change-source.port.ts'
import type { Row } from '../../src/domain/changes/cell-value.ts'
import type { WireTableSchema } from '../../src/domain/protocol/messages.ts'
import type { TableSchema } from '../../src/domain/schema/table-schema.ts'

interface TrackedChange {
  version: number
  /** Version that created the row since tracking began; undefined when it existed before. */
  created: number | undefined
  deleted: boolean
  key: Row
}

interface SourceTable {
  schema: WireTableSchema
  /** By key text; key is column 0. */
  rows: Map<string, Row>
  tracked: boolean
  minValid: number
  changes: Map<string, TrackedChange>
}

const keyText = (row: Row) => String(row[0])

/**
 * SQL Server change tracking as a model, for application tests: a database-wide version that
 * every write raises, one net change per key, and retention that raises the minimum valid
 * version. The adapters' trigger-based sources are tested to behave the same way.
 */
export class InMemoryTrackedDatabase implements ChangeSource, ChangeSourceFactory {
  readonly tables = new Map<string, SourceTable>()
  version = 0
  trackingEnabled = false
  /** Throw from readRows of this table after this many rows (a source failing mid-read). */
  failAfter: { table: string; rows: number } | undefined
  /** Rows handed out by readRows so far, all tables together. */
  rowsRead = 0
  /** Snapshots opened, the cycle's read of its version included. */
  snapshots = 0
  /** tablesToTrack calls, and trackTable calls. */
  trackChecks = 0
  trackCalls = 0
  /** Called as a snapshot asks for a table's schema: a test changes the source there, mid-cycle. */
  beforeTableSchema: ((table: string) => void) | undefined

  async open(): Promise<ChangeSource> {
    return this
  }

  /** Every table of the model has a key (column 0). */
  async keylessTables(): Promise<readonly string[]> {
    return []
  }

  createTable(schema: WireTableSchema, rows: Row[] = []): void {
    this.tables.set(schema.name, { schema, rows: new Map(), tracked: false, minValid: 0, changes: new Map() })
    for (const row of rows) this.insert(schema.name, row)
  }

  dropTable(name: string): void {
    this.tables.delete(name)
  }

  /** Replaces a table's schema (a column added or changed); rows are mapped by `convert`. */
  alterTable(name: string, schema: WireTableSchema, convert: (row: Row) => Row): void {
    const table = this.#table(name)
    table.schema = schema
    for (const [k, row] of table.rows) table.rows.set(k, convert(row))
  }

  insert(name: string, row: Row): void {
    const table = this.#table(name)
    const k = keyText(row)
    if (table.rows.has(k)) throw new Error(`duplicate key ${k} in ${name}`)
    table.rows.set(k, row)
    this.#record(table, row, 'insert')
  }

  update(name: string, row: Row): void {
    const table = this.#table(name)
    const k = keyText(row)
    if (!table.rows.has(k)) throw new Error(`no row ${k} in ${name}`)
    table.rows.set(k, row)
    this.#record(table, row, 'update')
  }

  delete(name: string, key: Row[number]): void {
    const table = this.#table(name)
    const row = table.rows.get(String(key))
    if (!row) throw new Error(`no row ${String(key)} in ${name}`)
    table.rows.delete(String(key))
    this.#record(table, row, 'delete')
  }

  /** Forgets changes up to `version` (retention cleanup). */
  purge(version: number): void {
    for (const table of this.tables.values()) {
      for (const [k, change] of table.changes) if (change.version <= version) table.changes.delete(k)
      if (table.tracked) table.minValid = Math.max(table.minValid, version)
    }
  }

  #record(table: SourceTable, row: Row, kind: 'insert' | 'update' | 'delete'): void {
    this.version++
    if (!table.tracked) return
    const k = keyText(row)
    const previous = table.changes.get(k)
    table.changes.set(k, {
      version: this.version,
      created: kind === 'insert' ? this.version : previous?.created,
      deleted: kind === 'delete',
      key: [row[0]!],
    })
  }

  #table(name: string): SourceTable {
    const table = this.tables.get(name)
    if (!table) throw new Error(`no table ${name}`)
    return table
  }

  async enableTracking(): Promise<void> {
    this.trackingEnabled = true
  }

  async readSchema(): Promise<readonly WireTableSchema[]> {
    return [...this.tables.values()].map((t) => t.schema)
  }

  async trackTable(name: string): Promise<{ readonly justEnabled: boolean }> {
    this.trackCalls++
    const table = this.#table(name)
    if (table.tracked) return { justEnabled: false }
    table.tracked = true
    table.minValid = this.version
    return { justEnabled: true }
  }

  async tablesToTrack(names: readonly string[]): Promise<readonly string[]> {
    this.trackChecks++
    return names.filter((name) => !this.tables.get(name)?.tracked)
  }

  async untrackTable(name: string): Promise<void> {
    const table = this.#table(name)
    table.tracked = false
    table.changes.clear()
  }

  async snapshot<T>(work: (snapshot: SourceSnapshot) => Promise<T>): Promise<T> {
    this.snapshots++
    const current = this.version
    const self = this
    const snapshot: SourceSnapshot = {
      async currentVersion() {
        return current
      },
      async minValidVersion(name) {
        return self.#table(name).minValid
      },
      async tableSchema(name) {
        self.beforeTableSchema?.(name)
        return self.tables.get(name)?.schema
      },
      async countRows(name) {
        return self.#table(name).rows.size
      },
      async countChanges(name, since) {
        return [...self.#table(name).changes.values()].filter((c) => c.version > since && c.version <= current).length
      },
      async *readRows(schema: TableSchema) {
        const table = self.#table(schema.name)
        const rows = [...table.rows.values()].sort((a, b) => compareKeys(a[0]!, b[0]!))
        let n = 0
        for (const row of rows) {
          if (self.failAfter?.table === schema.name && n++ >= self.failAfter.rows) throw new Error('source read failed')
          self.rowsRead++
          yield row
        }
      },
      async *readChanges(schema: TableSchema, since: number): AsyncIterable<SourceChange> {
        const table = self.#table(schema.name)
        const changes = [...table.changes.values()]
          .filter((c) => c.version > since && c.version <= current)
          .sort((a, b) => a.version - b.version)
        for (const change of changes) {
          if (change.deleted) {
            yield {
              operation: 'D',
              version: change.version,
              row: schema.columns.map((_, i) => (i === 0 ? change.key[0]! : null)),
            }
          } else {
            const row = table.rows.get(String(change.key[0]))!
            const operation = change.created !== undefined && change.created > since ? 'I' : 'U'
            yield { operation, version: change.version, row }
          }
        }
      },
    }
    return work(snapshot)
  }

  async close(): Promise<void> {}
}

function compareKeys(a: Row[number], b: Row[number]): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0
}
