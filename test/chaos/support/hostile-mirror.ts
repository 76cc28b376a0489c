import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { peopleTable } from '../../support/envelopes.ts'
import { column } from '../../support/schemas.ts'

/** The tenant the hostile-input suite mirrors; every validly signed hostile token names it. */
export const TENANT = 'Cust12345'

/** The LSN the seeded rows carry; a hostile write carries a higher one, so that accepting it would write. */
export const SEEDED_LSN = 10

/** `person`: int key, nvarchar(50) NOT NULL, decimal(10,2), datetime. */
export const PERSON: WireTableSchema = peopleTable([column('born', 'datetime')])

/** `gadget`: the small and odd types (smallint, tinyint, bit, varbinary). */
export const GADGET: WireTableSchema = {
  name: 'gadget',
  columns: [
    column('gadget_id', 'int', 'false'),
    column('level', 'smallint'),
    column('rank', 'tinyint'),
    column('active', 'bit'),
    column('blob', 'varbinary(16)'),
  ],
}

export const TABLES = [PERSON, GADGET] as const

export function personRow(id: number, name = `Person ${id}`): (string | null)[] {
  return [`[I:${id}]`, name, `[F:${id}.25]`, `[DT:0${1 + (id % 9)}/1${id % 10}/1990 08:30:00.0000000]`]
}

export function gadgetRow(id: number): (string | null)[] {
  return [
    `[I:${id}]`,
    `[S:${-id * 100}]`,
    `[I:${id % 256}]`,
    `[I:${id % 2}]`,
    `[B:${Buffer.from([id, 1, 2]).toString('base64')}]`,
  ]
}

/** Every row the seeding RowData writes. */
export const SEED_ROWS = {
  person: Array.from({ length: 20 }, (_, i) => personRow(i + 1)),
  gadget: Array.from({ length: 10 }, (_, i) => gadgetRow(i + 1)),
} as const

export interface MirrorSnapshot {
  /** SHA-256 over the schema, every row of every table and the metadata table. */
  readonly digest: string
  /** Database files in the mirrors directory (WAL and shared-memory files left out). */
  readonly files: readonly string[]
  readonly rows: Readonly<Record<string, number>>
}

/** Reads the tenant's SQLite mirror read-only, as the service left it. */
export function snapshotMirror(dir: string): MirrorSnapshot {
  const files = existsSync(dir)
    ? readdirSync(dir)
        // The service's own state (nonces, the dashboard's activity) changes with every call, by design.
        .filter((f) => !/-(wal|shm|journal)$/.test(f) && f !== '.tenant-mirror')
        .sort()
    : []
  const file = join(dir, `Mirror_${TENANT}.sqlite`)
  if (!existsSync(file)) return { digest: 'no database', files, rows: {} }
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const hash = createHash('sha256')
    const rows: Record<string, number> = {}
    const objects = db
      .prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name")
      .all() as { type: string; name: string; sql: string | null }[]
    for (const object of objects) {
      hash.update(JSON.stringify(object))
      if (object.type !== 'table') continue
      const lines = (db.prepare(`select * from "${object.name.replaceAll('"', '""')}"`).all() as unknown[])
        .map((row) => JSON.stringify(row, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)))
        .sort()
      rows[object.name] = lines.length
      hash.update(`${object.name}\u0000${lines.join('\n')}`)
    }
    return { digest: hash.digest('hex'), files, rows }
  } finally {
    db.close()
  }
}
