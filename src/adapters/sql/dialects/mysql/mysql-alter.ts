import { sql } from 'kysely'
import { type DialectParts, noteDropped } from '../../dialect-parts.ts'
import type { MirrorDdl } from '../../sql-dialect.ts'
import { mysqlLayout } from './mysql-types.ts'

/** In place when the row-size layout of the other columns stays as it was; otherwise a recreate. */
export function mysqlAlter(parts: DialectParts): MirrorDdl['alterTable'] {
  return async (db, from, to, steps) => {
    const layoutBefore = mysqlLayout(from.columns, from.key)
    const before = new Map(from.columns.map((c, i) => [c.name.toLowerCase(), layoutBefore[i]!]))
    const after = mysqlLayout(to.columns, to.key)
    const touched = new Set(steps.map((s) => (s.kind === 'add-column' ? s.column.name : s.to.name).toLowerCase()))
    const moved = to.columns.some(
      (c, i) => !touched.has(c.name.toLowerCase()) && before.get(c.name.toLowerCase()) !== after[i],
    )
    if (moved) return undefined
    const warnings: string[] = []
    for (const step of steps) {
      const column = step.kind === 'add-column' ? step.column : step.to
      const type = after[to.columns.indexOf(column)]!
      const fallback = parts.defaults(column, type)
      noteDropped(warnings, to.name, column.name, fallback)
      const definition = sql`${sql.id(column.name)} ${sql.raw(type)}${column.nullable ? sql`` : sql` not null`}${
        fallback.sql === undefined ? sql`` : sql` default ${sql.raw(fallback.sql)}`
      }`
      await (step.kind === 'add-column'
        ? sql`alter table ${sql.id(to.name)} add column ${definition}`
        : sql`alter table ${sql.id(to.name)} modify column ${definition}`
      ).execute(db)
    }
    return warnings
  }
}
