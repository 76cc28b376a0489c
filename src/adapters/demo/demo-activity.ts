import Database from 'better-sqlite3'
import { built, demoRow, superOfficeTables } from './demo-source.ts'
import { coreSizes, Random } from './demo-values.ts'

export interface ActivityRound {
  readonly inserts: number
  readonly updates: number
  readonly deletes: number
  readonly schemaChange: string | undefined
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * One round of a busy CRM on the demo tenant's source: inserts, updates and deletes spread over
 * the core tables, and when asked a schema change (a new column), so that incremental cycles
 * have work to do. Each round is one transaction, as an application's save would be.
 */
export function activityRound(
  file: string,
  options: { changes: number; schemaChange: boolean; seed: number; round: number },
): ActivityRound {
  const db = new Database(file)
  db.pragma('busy_timeout = 10000')
  const random = new Random(options.seed + options.round * 7919)
  const core = superOfficeTables().filter((t) => t.name in coreSizes(1) && t.name !== 'associate')
  const counts = { inserts: 0, updates: 0, deletes: 0 }
  let schemaChange: string | undefined
  try {
    // IMMEDIATE: the write lock up front, waiting out the task's tracking steps. A deferred
    // transaction that read first cannot take it once another connection has written since
    // (WAL answers SQLITE_BUSY at once, whatever the busy timeout).
    db.transaction(() => {
      for (let i = 0; i < options.changes; i++) {
        const wire = random.pick(core)
        const present = db.prepare(`pragma table_info(${quote(wire.name)})`).all() as { name: string }[]
        const key = quote(wire.columns[0]!.name)
        const table = quote(wire.name)
        const kind = random.next()
        if (kind < 0.5) {
          const max = Number(
            (db.prepare(`select coalesce(max(${key}), 0) as m from ${table}`).get() as { m: number }).m,
          )
          const values = demoRow(random, built(wire), max + 1, coreSizes(1000))
          const extra = present.length - values.length
          db.prepare(
            `insert into ${table} values (${[...values, ...Array(extra).fill(null)].map(() => '?').join(', ')})`,
          ).run(...values, ...Array(extra).fill(null))
          counts.inserts++
        } else {
          const victim = db.prepare(`select ${key} as k from ${table} order by random() limit 1`).get() as
            | { k: number }
            | undefined
          if (!victim) continue
          if (kind < 0.85) {
            const text = wire.columns.find((c, j) => j > 0 && /char/.test(c.type))
            if (!text) continue
            db.prepare(`update ${table} set ${quote(text.name)} = ? where ${key} = ?`).run(
              `edited ${options.round}.${i}`.slice(0, 10),
              victim.k,
            )
            counts.updates++
          } else {
            db.prepare(`delete from ${table} where ${key} = ?`).run(victim.k)
            counts.deletes++
          }
        }
      }
      if (options.schemaChange) {
        const wire = random.pick(core)
        const column = `demo_note_${options.round}`
        db.exec(`alter table ${quote(wire.name)} add column ${quote(column)} nvarchar(40)`)
        schemaChange = `${wire.name}.${column}`
      }
    }).immediate()
  } finally {
    db.close()
  }
  return { ...counts, schemaChange }
}
