import { sql } from 'kysely'
import type { MirrorTableState } from '../../application/ports/mirror-database.port.ts'
import type { Lsn } from '../../domain/changes/lsn.ts'
import type { WireColumn } from '../../domain/protocol/messages.ts'
import { identifierKey } from '../../domain/schema/identifier.ts'
import { buildTableSchema, type TableSchema, tableSchemaToWire } from '../../domain/schema/table-schema.ts'
import type { Db } from './sql-dialect.ts'

/** A row of `<contextId>_mirroring` as stored. */
interface MetadataRecord {
  tablename: string
  schema_hash: string
  lsn: number | bigint | string
  created_by_mirror: number | bigint | boolean | string
  schema_json: string
  updated_at: string | Date
}

/** The stored schema: wire columns plus key names, re-validated by the domain on every read. */
interface StoredSchema {
  readonly columns: readonly WireColumn[]
  readonly key: readonly string[]
}

/**
 * Reads and writes the metadata table (wire-profile §3) inside the caller's transaction. Table
 * names match without regard to case, like the identifiers they stand for.
 */
export class MirrorMetadata {
  readonly table: string
  /** Parsed schemas by table and hash: a cycle re-reads 400 rows whose schemas rarely change. */
  readonly #schemas = new Map<string, TableSchema | undefined>()

  constructor(table: string) {
    this.table = table
  }

  async readAll(db: Db): Promise<Map<string, MirrorTableState>> {
    const records = (await db.selectFrom(this.table).selectAll().execute()) as MetadataRecord[]
    return new Map(records.map((r) => [identifierKey(r.tablename), this.#toState(r)]))
  }

  /** The rows of these tables (any case), keyed as readAll's. */
  async readSome(db: Db, tables: readonly string[]): Promise<Map<string, MirrorTableState>> {
    if (tables.length === 0) return new Map()
    const keys = [...new Set(tables.map(identifierKey))]
    const records = (await db
      .selectFrom(this.table)
      .selectAll()
      .where(sql`lower(tablename)`, 'in', keys)
      .execute()) as MetadataRecord[]
    return new Map(records.map((r) => [identifierKey(r.tablename), this.#toState(r)]))
  }

  async readOne(db: Db, table: string): Promise<MirrorTableState | undefined> {
    const record = await firstOf(table, (where) =>
      db
        .selectFrom(this.table)
        .selectAll()
        .where(...where)
        .execute(),
    )
    return record && this.#toState(record as MetadataRecord)
  }

  /** The LSN and the schema's hash (no schema parsing): read before every batch. */
  async readStamp(db: Db, table: string): Promise<{ lsn: Lsn; schemaHash: string } | undefined> {
    const record = (await firstOf(table, (where) =>
      db
        .selectFrom(this.table)
        .select(['lsn', 'schema_hash'])
        .where(...where)
        .execute(),
    )) as Pick<MetadataRecord, 'lsn' | 'schema_hash'> | undefined
    return record && { lsn: Number(record.lsn), schemaHash: record.schema_hash }
  }

  #toState(record: MetadataRecord): MirrorTableState {
    const key = `${record.tablename}\u0000${record.schema_hash}`
    if (!this.#schemas.has(key)) {
      if (this.#schemas.size > 10_000) this.#schemas.clear()
      this.#schemas.set(key, parseStoredSchema(record.tablename, record.schema_json))
    }
    return {
      table: record.tablename,
      lsn: Number(record.lsn),
      schemaHash: record.schema_hash,
      schema: this.#schemas.get(key),
      createdByMirror: record.created_by_mirror === true || Number(record.created_by_mirror) === 1,
      updatedAt: record.updated_at instanceof Date ? record.updated_at.toISOString() : String(record.updated_at),
    }
  }

  /**
   * Writes a table's row whole: delete then insert is the one upsert every engine runs alike.
   * Answers the state as a read of the row would, once its transaction commits.
   */
  async write(db: Db, schema: TableSchema, hash: string, lsn: Lsn, now: Date): Promise<MirrorTableState> {
    const stored: StoredSchema = {
      columns: tableSchemaToWire(schema).columns,
      key: schema.key.map((i) => schema.columns[i]!.name),
    }
    const record: MetadataRecord = {
      tablename: schema.name,
      schema_hash: hash,
      lsn,
      created_by_mirror: 1,
      schema_json: JSON.stringify(stored),
      updated_at: now.toISOString(),
    }
    await this.remove(db, schema.name)
    await db.insertInto(this.table).values(record).execute()
    return this.#toState(record)
  }

  async setLsn(db: Db, table: string, lsn: Lsn, now: Date): Promise<number> {
    return this.#update(db, table, { lsn, updated_at: now.toISOString() })
  }

  /** Forgets a table's stored schema (its LSN stays), so that its next plan is a recreate. */
  async markPending(db: Db, table: string): Promise<void> {
    await this.#update(db, table, { schema_hash: '', schema_json: '' })
  }

  /** Sets columns of a table's row; answers how many rows that changed. */
  #update(db: Db, table: string, values: Partial<MetadataRecord>): Promise<number> {
    return changedIn(table, async (where) =>
      Number(
        (
          await db
            .updateTable(this.table)
            .set(values)
            .where(...where)
            .executeTakeFirst()
        ).numUpdatedRows,
      ),
    )
  }

  async remove(db: Db, table: string): Promise<void> {
    await changedIn(table, async (where) =>
      Number(
        (
          await db
            .deleteFrom(this.table)
            .where(...where)
            .executeTakeFirst()
        ).numDeletedRows,
      ),
    )
  }
}

/** A `where` on a table's name: as spelt (its key's index), or in any case (a scan of them all). */
type NameMatch = readonly [ReturnType<typeof sql<string>>, '=', string]
const spelt = (table: string): NameMatch => [sql<string>`tablename`, '=', table]
const anyCase = (table: string): NameMatch => [sql<string>`lower(tablename)`, '=', table.toLowerCase()]

/*
 * A table is looked for by its name as spelt first, and in any case only if that finds nothing.
 * `lower(tablename)` uses no index on any engine: every call's stamp read and LSN update scanned
 * the whole metadata table, about 400 rows for SuperOffice's schema (PostgreSQL 0.11 ms a
 * statement against 0.02; on InnoDB an UPDATE also locks every row it scans). The Mirroring Task
 * names a table in its calls as its TableSchema did, so the first statement finds it; as two
 * rows never differ only in case (a table's row is removed in any case before it is written), the
 * row found as spelt is the one found in any case.
 */
async function firstOf<R>(table: string, read: (where: NameMatch) => Promise<R[]>): Promise<R | undefined> {
  const found = await read(spelt(table))
  if (found.length > 0) return found[0]
  return (await read(anyCase(table)))[0]
}

async function changedIn(table: string, change: (where: NameMatch) => Promise<number>): Promise<number> {
  const changed = await change(spelt(table))
  return changed > 0 ? changed : change(anyCase(table))
}

function parseStoredSchema(table: string, json: string): TableSchema | undefined {
  try {
    const stored = JSON.parse(json) as StoredSchema
    const schema = buildTableSchema(
      { name: table, columns: stored.columns },
      { keyColumns: new Map([[identifierKey(table), stored.key]]) },
    )
    return schema.ok ? schema.value : undefined
  } catch {
    return undefined
  }
}
