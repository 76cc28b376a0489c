import { MirrorStoreError } from '../../application/ports/mirror-database.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import type { Db, SqlDialect } from './sql-dialect.ts'

/**
 * The table that says which tenant a mirror database (or schema, or file) belongs to. Its name
 * holds a hyphen, which no identifier from the wire may, so no mirrored table can take it; it
 * has the metadata table's columns, and its one row's `tablename` is the owning context id.
 */
export const OWNER_TABLE = 'tenant-mirror_owner'

/**
 * Claims the database for the tenant on first use, and refuses it to any other: whatever maps
 * two context ids to one database — a custom naming hook, a template, an engine that folds
 * case (SQL Server's usual collation, MySQL with lower_case_table_names, a case-insensitive
 * file system) — the second tenant is refused before it reads or writes anything. Ids compare
 * exactly. Mirrors made before the stamp existed are claimed by their first caller.
 */
export async function claimOwnership(db: Db, dialect: SqlDialect, contextId: ContextId, now: Date): Promise<void> {
  await dialect.ddl.ensureMetadataTable(db, OWNER_TABLE)
  let owners = await ownersOf(db)
  if (owners.length === 0) {
    await db
      .insertInto(OWNER_TABLE)
      .values({
        tablename: contextId,
        schema_hash: '',
        lsn: 0,
        created_by_mirror: 0,
        schema_json: '',
        updated_at: now.toISOString(),
      })
      .execute()
      .catch((error: unknown) => {
        // Another instance claimed it first: what it wrote decides below. Anything else (a lost
        // connection) fails the call with its own reason, never as a database without an owner.
        if (dialect.errors.classify(error) !== 'conflict') throw error
      })
    owners = await ownersOf(db)
  }
  const other = owners.find((owner) => owner !== contextId)
  if (other !== undefined || owners.length === 0) {
    throw new MirrorStoreError(
      `the mirror database for ${contextId} belongs to tenant ${other ?? '(unknown)'}: two tenants never share one (check --database-name and any resolveConnection hook)`,
      'fatal',
    )
  }
}

async function ownersOf(db: Db): Promise<string[]> {
  const rows = (await db.selectFrom(OWNER_TABLE).select('tablename').execute()) as { tablename: string }[]
  return rows.map((r) => r.tablename)
}
