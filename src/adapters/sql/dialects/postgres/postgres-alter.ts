import { sql } from 'kysely'
import { type DialectParts, noteDropped } from '../../dialect-parts.ts'
import type { MirrorDdl } from '../../sql-dialect.ts'

/** PostgreSQL alters every kind of step in place: add, retype with USING, NULL-ability, default. */
export function postgresAlter(parts: DialectParts): MirrorDdl['alterTable'] {
  return async (db, _from, to, steps) => {
    const warnings: string[] = []
    const table = sql.id(to.name)
    for (const step of steps) {
      const column = step.kind === 'add-column' ? step.column : step.to
      const rendered = parts.defaults(column, parts.types.render(column.type))
      noteDropped(warnings, to.name, column.name, rendered)
      const name = sql.id(column.name)
      const type = sql.raw(parts.types.render(column.type))
      if (step.kind === 'add-column') {
        const fallback = rendered.sql === undefined ? sql`` : sql` default ${sql.raw(rendered.sql)}`
        const required = column.nullable ? sql`` : sql` not null`
        await sql`alter table ${table} add column ${name} ${type}${fallback}${required}`.execute(db)
        continue
      }
      if (step.kind === 'widen-column') {
        await sql`alter table ${table} alter column ${name} type ${type} using ${name}::${type}`.execute(db)
        await sql`alter table ${table} alter column ${name} ${sql.raw(column.nullable ? 'drop not null' : 'set not null')}`.execute(
          db,
        )
      }
      await (rendered.sql === undefined
        ? sql`alter table ${table} alter column ${name} drop default`
        : sql`alter table ${table} alter column ${name} set default ${sql.raw(rendered.sql)}`
      ).execute(db)
    }
    return warnings
  }
}
