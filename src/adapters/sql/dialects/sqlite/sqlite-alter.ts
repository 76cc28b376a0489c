import { sql } from 'kysely'
import type { AlterStep } from '../../../../domain/schema/schema-plan.ts'
import type { TableSchema } from '../../../../domain/schema/table-schema.ts'
import { type DialectParts, noteDropped } from '../../dialect-parts.ts'
import type { Db, MirrorDdl } from '../../sql-dialect.ts'
import { columnConstraints } from '../../standard-ddl.ts'
import { canAddColumn } from './sqlite-defaults.ts'

/**
 * SQLite's ALTER: columns are added in place when their default allows it; anything else
 * (a widened type, relaxed NULL, changed default) rebuilds the table with `createTable`.
 */
export function sqliteAlter(parts: DialectParts, createTable: MirrorDdl['createTable']): MirrorDdl['alterTable'] {
  return async (db, from, to, steps) => {
    if (steps.some(needsRebuild)) return rebuildTable(db, from, to, createTable)
    const warnings: string[] = []
    for (const step of steps) {
      if (step.kind !== 'add-column') continue
      const type = parts.types.render(step.column.type)
      const rendered = parts.defaults(step.column, type)
      if (!canAddColumn(step.column, rendered)) return rebuildTable(db, from, to, createTable)
      noteDropped(warnings, to.name, step.column.name, rendered)
      await db.schema
        .alterTable(to.name)
        .addColumn(step.column.name, sql.raw(type), columnConstraints(step.column, rendered))
        .execute()
    }
    return warnings
  }
}

/**
 * SQLite cannot change a column, so a widened type, relaxed NULL or changed default rebuilds the
 * table in the same transaction (sqlite.org/lang_altertable.html, "other kinds of table schema
 * changes"): create the new table, copy the rows, drop the old one, rename, and put back the
 * indexes and triggers a partner added. Rows and LSN survive, unlike a recreate.
 */
export async function rebuildTable(
  db: Db,
  from: TableSchema,
  to: TableSchema,
  create: (db: Db, table: TableSchema) => Promise<readonly string[]>,
): Promise<readonly string[]> {
  const { rows: extras } = await sql<{ sql: string }>`select sql from sqlite_master
    where tbl_name = ${from.name} and type in ('index', 'trigger') and sql is not null`.execute(db)
  const staging = `${to.name}__tenant_mirror_rebuild`
  const warnings = await create(db, { ...to, name: staging })
  const kept = from.columns.map((c) => sql.id(c.name))
  await sql`insert into ${sql.id(staging)} (${sql.join(kept)}) select ${sql.join(kept)} from ${sql.id(from.name)}`.execute(
    db,
  )
  await sql`drop table ${sql.id(from.name)}`.execute(db)
  await sql`alter table ${sql.id(staging)} rename to ${sql.id(to.name)}`.execute(db)
  // Index and trigger definitions come from this database's own catalog, not from the wire.
  for (const extra of extras) await sql.raw(extra.sql).execute(db)
  return warnings
}

function needsRebuild(step: AlterStep): boolean {
  return step.kind !== 'add-column'
}
