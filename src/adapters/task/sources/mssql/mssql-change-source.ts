import type {
  ChangeSource,
  SourceChange,
  SourceSnapshot,
} from '../../../../application/task/ports/change-source.port.ts'
import type { Row } from '../../../../domain/changes/cell-value.ts'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { openMssql, tediousConfig } from '../../../sql/dialects/mssql/mssql-connector.ts'
import { fromMssqlValue } from '../../../sql/dialects/mssql/mssql-values.ts'
import type { Db } from '../../../sql/sql-dialect.ts'
import { catalogToWire } from './mssql-catalog.ts'
import {
  catalogStatement,
  countChangesStatement,
  countRowsStatement,
  currentVersionStatement,
  enableTrackingStatement,
  keylessTablesStatement,
  minValidVersionStatement,
  readChangesQuery,
  readRowsQuery,
  TABLES_TO_TRACK_CHUNK,
  tablesToTrackStatement,
  trackTableStatement,
  untrackTableStatement,
} from './mssql-source-statements.ts'

const OPERATIONS = new Set(['I', 'U', 'D'])

/**
 * A tenant database with SQL Server's own change tracking: what SuperOffice's Mirroring Task
 * reads. Each table is read inside one SNAPSHOT transaction, so that the version and the rows
 * agree; rows stream in chunks (tedious pauses between them), never a whole table at once.
 */
export class MssqlChangeSource implements ChangeSource {
  readonly #db: Db
  readonly #retentionDays: number

  constructor(db: Db, retentionDays = 2) {
    this.#db = db
    this.#retentionDays = retentionDays
  }

  async enableTracking(): Promise<void> {
    await enableTrackingStatement(this.#retentionDays).execute(this.#db)
  }

  async readSchema(): Promise<readonly WireTableSchema[]> {
    const { rows } = await catalogStatement().execute(this.#db)
    return catalogToWire(rows)
  }

  async keylessTables(): Promise<readonly string[]> {
    const { rows } = await keylessTablesStatement().execute(this.#db)
    return rows.map((r) => r.name)
  }

  async trackTable(table: string): Promise<{ readonly justEnabled: boolean }> {
    const { rows } = await trackTableStatement(table).execute(this.#db)
    return { justEnabled: rows[0]?.just_enabled === true || Number(rows[0]?.just_enabled) === 1 }
  }

  async tablesToTrack(tables: readonly string[]): Promise<readonly string[]> {
    const untracked: string[] = []
    for (let at = 0; at < tables.length; at += TABLES_TO_TRACK_CHUNK) {
      const { rows } = await tablesToTrackStatement(tables.slice(at, at + TABLES_TO_TRACK_CHUNK)).execute(this.#db)
      for (const row of rows) untracked.push(row.name)
    }
    return untracked
  }

  async untrackTable(table: string): Promise<void> {
    await untrackTableStatement(table).execute(this.#db)
  }

  snapshot<T>(work: (snapshot: SourceSnapshot) => Promise<T>): Promise<T> {
    return this.#db
      .transaction()
      .setIsolationLevel('snapshot')
      .execute((trx) => work(new MssqlSnapshot(trx)))
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }
}

class MssqlSnapshot implements SourceSnapshot {
  readonly #db: Db
  #current: number | undefined

  constructor(db: Db) {
    this.#db = db
  }

  async currentVersion(): Promise<number> {
    if (this.#current === undefined) {
      const { rows } = await currentVersionStatement().execute(this.#db)
      this.#current = Number(rows[0]?.version ?? 0)
    }
    return this.#current
  }

  /**
   * SQL Server's catalog is not versioned under snapshot isolation: this reads the schema as it
   * is now, so a change made after the snapshot began defers the table too (one cycle later).
   */
  async tableSchema(table: string): Promise<WireTableSchema | undefined> {
    const { rows } = await catalogStatement(table).execute(this.#db)
    return catalogToWire(rows)[0]
  }

  async minValidVersion(table: string): Promise<number> {
    const { rows } = await minValidVersionStatement(table).execute(this.#db)
    return Number(rows[0]?.version ?? 0)
  }

  async countRows(table: string): Promise<number> {
    const { rows } = await countRowsStatement(table).execute(this.#db)
    return Number(rows[0]?.n ?? 0)
  }

  async countChanges(table: string, since: number): Promise<number> {
    const { rows } = await countChangesStatement(table, since, await this.currentVersion()).execute(this.#db)
    return Number(rows[0]?.n ?? 0)
  }

  async *readRows(table: TableSchema): AsyncIterable<Row> {
    for await (const record of readRowsQuery(this.#db, table).stream(1000)) {
      yield decode(table, record as Record<string, unknown>)
    }
  }

  async *readChanges(table: TableSchema, since: number): AsyncIterable<SourceChange> {
    const upTo = await this.currentVersion()
    for await (const raw of readChangesQuery(this.#db, table, since, upTo).stream(1000)) {
      const record = raw as Record<string, unknown>
      const operation = String(record.__operation).trim()
      if (!OPERATIONS.has(operation)) throw new Error(`table ${table.name}: change operation is not I, U or D`)
      const version = Number(record.__version)
      if (operation === 'D') {
        const row: Row = table.columns.map((c, i) => {
          const at = table.key.indexOf(i)
          return at < 0 ? null : fromMssqlValue(record[`__key_${at}`], c.type)
        })
        yield { operation: 'D', version, row }
      } else {
        yield { operation: operation as 'I' | 'U', version, row: decode(table, record) }
      }
    }
  }
}

function decode(table: TableSchema, record: Record<string, unknown>): Row {
  return table.columns.map((c) => fromMssqlValue(record[c.name], c.type))
}

/** Opens `mssql://user:password@host:port/database?…` as a change-tracking source. */
export async function openMssqlChangeSource(url: string): Promise<ChangeSource> {
  return new MssqlChangeSource(openMssql(tediousConfig(url), 2))
}
