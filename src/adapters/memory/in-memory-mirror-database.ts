import type {
  AppliedPlan,
  BatchOutcome,
  MirrorDatabase,
  MirrorDatabaseProvider,
  MirrorState,
  MirrorTableState,
} from '../../application/ports/mirror-database.port.ts'
import { MirrorStoreError } from '../../application/ports/mirror-database.port.ts'
import type { MirrorInspection, MirrorInspector } from '../../application/ports/mirror-inspection.port.ts'
import type { CellValue, Row } from '../../domain/changes/cell-value.ts'
import { type ChangeBatch, keyOf } from '../../domain/changes/change-batch.ts'
import { isSuperseded, type Lsn, NO_LSN, type StaleBatchPolicy } from '../../domain/changes/lsn.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { type IdentifierLimit, identifierKey, MAX_IDENTIFIER_LENGTH } from '../../domain/schema/identifier.ts'
import type { TablePlan } from '../../domain/schema/schema-plan.ts'
import { findColumn, type TableSchema } from '../../domain/schema/table-schema.ts'
import { compareCells, convertCell, defaultCell } from './memory-values.ts'

const MEMORY_IDENTIFIER_LIMIT: IdentifierLimit = { length: MAX_IDENTIFIER_LENGTH, unit: 'characters' }

interface MemoryTable {
  schema: TableSchema
  rows: Map<string, Row>
  lsn: Lsn
  hash: string
  updatedAt: string
}

/**
 * A mirror database in memory: a working implementation of the port, not a mock. It keeps
 * the same guarantees as the SQL adapters (atomic batches with their LSN, NOT NULL, keys,
 * only own tables dropped) and passes the same contract suite, so that the application and
 * the HTTP adapter can be tested, and embedded, without an engine. It is its own inspection.
 */
export class InMemoryMirrorDatabase implements MirrorDatabase, MirrorInspection {
  readonly contextId: ContextId
  /** SQL Server's, unless a test asks for another engine's. */
  readonly identifierLimit: IdentifierLimit
  readonly #tables = new Map<string, MemoryTable>()
  /** Tables that exist in the database but were not created by the mirror (a partner's own). */
  readonly foreignTables = new Set<string>()

  constructor(contextId: ContextId, identifierLimit: IdentifierLimit = MEMORY_IDENTIFIER_LIMIT) {
    this.contextId = contextId
    this.identifierLimit = identifierLimit
  }

  async readState(): Promise<MirrorState> {
    const tables = new Map<string, MirrorTableState>()
    for (const [key, t] of this.#tables) {
      tables.set(key, {
        table: t.schema.name,
        lsn: t.lsn,
        schemaHash: t.hash,
        schema: t.schema,
        createdByMirror: true,
        updatedAt: t.updatedAt,
      })
    }
    return { tables, physicalTables: new Set([...this.#tables.keys(), ...[...this.foreignTables].map(identifierKey)]) }
  }

  async applyTablePlan(plan: TablePlan, schemaHash: string): Promise<AppliedPlan> {
    const key = identifierKey(plan.table.name)
    const current = this.#tables.get(key)
    const fresh = (change: 'Created' | 'Recreated'): AppliedPlan => {
      this.foreignTables.delete(plan.table.name)
      this.#tables.set(key, { schema: plan.table, rows: new Map(), lsn: NO_LSN, hash: schemaHash, updatedAt: now() })
      return { change, lsn: NO_LSN, warnings: [] }
    }
    switch (plan.kind) {
      case 'create':
        return fresh('Created')
      case 'recreate':
        return fresh('Recreated')
      case 'unchanged':
        if (!current) return fresh('Created')
        Object.assign(current, { schema: plan.table, hash: schemaHash, updatedAt: now() })
        return { change: 'None', lsn: current.lsn, warnings: [] }
      case 'alter': {
        if (!current) return fresh('Created')
        const rows = new Map<string, Row>()
        for (const [k, row] of current.rows) rows.set(k, migrateRow(row, current.schema, plan.table))
        Object.assign(current, { schema: plan.table, rows, hash: schemaHash, updatedAt: now() })
        return { change: 'Altered', lsn: current.lsn, warnings: [] }
      }
    }
  }

  async dropTables(tables: readonly string[]): Promise<void> {
    for (const table of tables) this.#tables.delete(identifierKey(table))
  }

  async applyBatches(
    batches: readonly ChangeBatch[],
    policy: StaleBatchPolicy = 'skip',
  ): Promise<readonly BatchOutcome[]> {
    // Work on copies and swap them in at the end: all batches land, or none.
    const staged = new Map<string, MemoryTable>()
    const outcomes: BatchOutcome[] = []
    for (const batch of batches) {
      const key = identifierKey(batch.table.name)
      const table = staged.get(key) ?? this.#copy(key, batch.table.name)
      const storedLsn = table.lsn
      staged.set(key, table)
      if (policy === 'skip' && isSuperseded(batch.lsn, storedLsn)) {
        outcomes.push({ applied: false, storedLsn })
        continue
      }
      outcomes.push({ applied: true, storedLsn })
      for (const deleted of batch.deletes) table.rows.delete(keyOf(deleted))
      for (const row of batch.upserts) upsert(table, batch.table, row)
      table.lsn = batch.lsn
      table.updatedAt = now()
    }
    for (const [key, table] of staged) this.#tables.set(key, table)
    return outcomes
  }

  async wipe(table: string): Promise<void> {
    const t = this.#require(table)
    t.rows = new Map()
    t.lsn = NO_LSN
    t.updatedAt = now()
  }

  async setLsn(table: string, lsn: Lsn): Promise<void> {
    this.#require(table).lsn = lsn
  }

  async countRows(table: string): Promise<number> {
    return this.#require(table).rows.size
  }

  async *readRows(table: string): AsyncIterable<Row> {
    const t = this.#require(table)
    const key = t.schema.key
    const rows = [...t.rows.values()].sort((a, b) => {
      for (const i of key) {
        const c = compareCells(a[i]!, b[i]!)
        if (c !== 0) return c
      }
      return 0
    })
    yield* rows
  }

  #require(table: string): MemoryTable {
    const t = this.#tables.get(identifierKey(table))
    if (!t) throw new MirrorStoreError(`table ${table} is not in the mirror`, 'fatal', table)
    return t
  }

  #copy(key: string, name: string): MemoryTable {
    const t = this.#tables.get(key)
    if (!t) throw new MirrorStoreError(`no such table: ${name}`, 'fatal', name)
    return { ...t, rows: new Map(t.rows) }
  }
}

/** Writes an I/U row given in TableInfo's columns (maybe fewer) into the mirror's full row. */
function upsert(table: MemoryTable, info: TableSchema, row: Row): void {
  const key = keyOf(info.key.map((i) => row[i]!))
  const existing = table.rows.get(key)
  const full: CellValue[] = table.schema.columns.map((column, i) => {
    const sent = info.columns.findIndex((c) => identifierKey(c.name) === identifierKey(column.name))
    if (sent >= 0) return row[sent]!
    if (existing) return existing[i]!
    const fallback = defaultCell(column)
    if (fallback === null && !column.nullable) {
      throw new MirrorStoreError(
        `NOT NULL constraint failed: ${table.schema.name}.${column.name}`,
        'conflict',
        info.name,
      )
    }
    return fallback
  })
  table.rows.set(key, full)
}

function migrateRow(row: Row, from: TableSchema, to: TableSchema): Row {
  return to.columns.map((column) => {
    const old = findColumn(from, column.name)
    if (!old) return defaultCell(column)
    return convertCell(row[from.columns.indexOf(old)]!, column.type)
  })
}

const now = () => new Date().toISOString()

export interface InMemoryMirrorDatabasesOptions {
  /** The identifier limit every tenant's mirror reports; SQL Server's 128 characters by default. */
  readonly identifierLimit?: IdentifierLimit
}

/** Tenants' in-memory mirrors, kept until the process ends; each one is its own inspection. */
export class InMemoryMirrorDatabases implements MirrorDatabaseProvider, MirrorInspector {
  readonly #tenants = new Map<string, InMemoryMirrorDatabase>()
  readonly #identifierLimit: IdentifierLimit

  constructor(options: InMemoryMirrorDatabasesOptions = {}) {
    this.#identifierLimit = options.identifierLimit ?? MEMORY_IDENTIFIER_LIMIT
  }

  async forTenant(contextId: ContextId): Promise<InMemoryMirrorDatabase> {
    let db = this.#tenants.get(contextId)
    if (!db) {
      db = new InMemoryMirrorDatabase(contextId, this.#identifierLimit)
      this.#tenants.set(contextId, db)
    }
    return db
  }

  inspect(contextId: ContextId): Promise<InMemoryMirrorDatabase> {
    return this.forTenant(contextId)
  }

  has(contextId: string): boolean {
    return this.#tenants.has(contextId)
  }

  async close(): Promise<void> {}
}
