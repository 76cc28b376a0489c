import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { WireTableSchema } from '../../domain/protocol/messages.ts'
import { buildTableSchema, type TableSchema } from '../../domain/schema/table-schema.ts'
import { privateDir, privateFile } from '../system/private-files.ts'
import { superOfficeSchema as loadSchema } from './demo-schema.ts'
import { coreSizes, demoValue, Random } from './demo-values.ts'

/** SQL Server type → the type the demo's SQLite source declares: the same, but `(max)` as TEXT/BLOB. */
export function sqliteDeclaredType(type: string): string {
  if (/\(max\)$/i.test(type)) return /binary/i.test(type) ? 'BLOB' : 'TEXT'
  return type
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * The demo tenant's source database: every table of the real SuperOffice schema, with SQL
 * Server's type names as SQLite's declared types (the trigger-based source reads them back
 * unchanged), and generated rows in the core CRM tables. Built in one transaction.
 */
export function createDemoSource(file: string, options: { contacts: number; seed?: number }): Record<string, number> {
  privateDir(dirname(file))
  privateFile(file)
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  const random = new Random(options.seed ?? 12345)
  const sizes = coreSizes(options.contacts)
  const filled: Record<string, number> = {}
  try {
    db.transaction(() => {
      for (const wire of superOfficeTables()) {
        db.exec(createStatement(wire))
        const count = sizes[wire.name]
        if (!count) continue
        const schema = built(wire)
        const insert = db.prepare(`insert into ${quote(wire.name)} values (${wire.columns.map(() => '?').join(', ')})`)
        for (let id = 1; id <= count; id++) insert.run(...demoRow(random, schema, id, sizes))
        filled[wire.name] = count
      }
    })()
  } finally {
    db.close()
  }
  return filled
}

export function demoRow(random: Random, schema: TableSchema, id: number, sizes: Record<string, number>) {
  return schema.columns.map((c, i) =>
    i === 0 ? id : demoValue(random, schema.name, c.name, c.type, c.nullable, sizes),
  )
}

function createStatement(wire: WireTableSchema): string {
  const columns = wire.columns.map(
    (c, i) =>
      `${quote(c.name)} ${sqliteDeclaredType(c.type)}${i === 0 ? ' primary key not null' : c.isNullable === 'true' ? '' : ' not null'}`,
  )
  return `create table ${quote(wire.name)} (${columns.join(', ')})`
}

export function built(wire: WireTableSchema): TableSchema {
  const schema = buildTableSchema(wire)
  if (!schema.ok) throw new Error(`demo schema table ${wire.name} does not build`)
  return schema.value
}

let cached: WireTableSchema[] | undefined

export function superOfficeTables(): WireTableSchema[] {
  cached ??= loadSchema()
  return cached
}
