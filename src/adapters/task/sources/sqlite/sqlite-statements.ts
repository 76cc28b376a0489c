import type Database from 'better-sqlite3'

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>()

/**
 * The connection's prepared statement for `sql`, prepared on first use: a cycle asks the same
 * few questions of every table, and preparing costs more than running. Only for get, all and
 * run — a statement being iterated cannot run again until its iteration ends — and each text
 * always used the same way (pluck or not).
 */
export function cached(db: Database.Database, sql: string): Database.Statement {
  let byText = statements.get(db)
  if (!byText) {
    byText = new Map()
    statements.set(db, byText)
  }
  let statement = byText.get(sql)
  if (!statement) {
    statement = db.prepare(sql)
    byText.set(sql, statement)
  }
  return statement
}
