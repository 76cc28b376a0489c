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
    const records = (await db
      .selectFrom(this.table)
      .selectAll()
      .where(sql`lower(tablename)`, '=', table.toLowerCase())
      .execute()) as MetadataRecord[]
    return records[0] && this.#toState(records[0])
  }

  /** The LSN and the schema's hash (no schema parsing): read before every batch. */
  async readStamp(db: Db, table: string): Promise<{ lsn: Lsn; schemaHash: string } | undefined> {
    const records = (await db
      .selectFrom(this.table)
      .select(['lsn', 'schema_hash'])
      .where(sql`lower(tablename)`, '=', table.toLowerCase())
      .execute()) as Pick<MetadataRecord, 'lsn' | 'schema_hash'>[]
    const record = records[0]
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

  /** Writes a table's row whole: delete then insert is the one upsert every engine runs alike. */
  async write(db: Db, schema: TableSchema, hash: string, lsn: Lsn, now: Date): Promise<void> {
    const stored: StoredSchema = {
      columns: tableSchemaToWire(schema).columns,
      key: schema.key.map((i) => schema.columns[i]!.name),
    }
    await this.remove(db, schema.name)
    await db
      .insertInto(this.table)
      .values({
        tablename: schema.name,
        schema_hash: hash,
        lsn,
        created_by_mirror: 1,
        schema_json: JSON.stringify(stored),
        updated_at: now.toISOString(),
      })
      .execute()
  }

  async setLsn(db: Db, table: string, lsn: Lsn, now: Date): Promise<number> {
    const result = await db
      .updateTable(this.table)
      .set({ lsn, updated_at: now.toISOString() })
      .where(sql`lower(tablename)`, '=', table.toLowerCase())
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** Forgets a table's stored schema (its LSN stays), so that its next plan is a recreate. */
  async markPending(db: Db, table: string): Promise<void> {
    await db
      .updateTable(this.table)
      .set({ schema_hash: '', schema_json: '' })
      .where(sql`lower(tablename)`, '=', table.toLowerCase())
      .execute()
  }

  async remove(db: Db, table: string): Promise<void> {
    await db.deleteFrom(this.table).where(sql`lower(tablename)`, '=', table.toLowerCase()).execute()
  }
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
