import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { Random } from '../src/adapters/demo/demo-values.ts'
import type { WireTableSchema } from '../src/domain/protocol/messages.ts'

/** SuperOffice's `invitation` table: ints, a smallint, datetimes, nvarchars, some NULLs. */
export const INVITATION: WireTableSchema = {
  name: 'invitation',
  columns: [
    ['invitation_id', 'int', 'false'],
    ['event_uid', 'nvarchar(255)', 'true'],
    ['event_sequence', 'int', 'true'],
    ['event_dtstamp', 'datetime', 'true'],
    ['appointment_id', 'int', 'true'],
    ['registered', 'datetime', 'false'],
    ['registered_associate_id', 'int', 'false'],
    ['updated', 'datetime', 'false'],
    ['updated_associate_id', 'int', 'false'],
    ['updatedcount', 'smallint', 'false'],
    ['organizer_email', 'nvarchar(255)', 'true'],
    ['organizer_fullname', 'nvarchar(255)', 'true'],
    ['recurring_end_date', 'datetime', 'true'],
    ['recurring_start_date', 'datetime', 'true'],
  ].map(([name, type, isNullable]) => ({ name: name!, type: type!, isNullable: isNullable!, defaultValue: '' })),
}

const stamp = (random: Random) => {
  const iso = new Date(Date.UTC(2019, 0, 1) + Math.floor(random.next() * 2e11)).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}

/** Row `id` of the benchmark table, the same every run. */
export function invitationRow(random: Random, id: number): (string | number | null)[] {
  const nullable = <T>(value: T) => (random.chance(0.1) ? null : value)
  return [
    id,
    nullable(
      `040000008200E00074C5B7101A82E008000000${id.toString(16).toUpperCase().padStart(16, '0')}0000000010000000`,
    ),
    nullable(random.int(0, 5)),
    nullable(stamp(random)),
    nullable(random.int(1, 500_000)),
    stamp(random),
    random.int(1, 200),
    stamp(random),
    random.int(1, 200),
    random.int(0, 30),
    nullable(`person${random.int(1, 99_999)}@example.com`),
    nullable(`Lastname${random.int(1, 9999)}, Firstname${random.int(1, 999)}`),
    nullable('1760-01-01 00:00:00'),
    nullable('1760-01-01 00:00:00'),
  ]
}

/** The source: one `invitation` table of `rows` rows, written in one transaction. */
export function createBenchSource(file: string, rows: number): void {
  mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  const columns = INVITATION.columns.map(
    (c, i) => `"${c.name}" ${c.type}${i === 0 ? ' primary key not null' : c.isNullable === 'true' ? '' : ' not null'}`,
  )
  db.exec(`create table invitation (${columns.join(', ')})`)
  const insert = db.prepare(`insert into invitation values (${INVITATION.columns.map(() => '?').join(', ')})`)
  const random = new Random(42)
  db.transaction(() => {
    for (let id = 1; id <= rows; id++) insert.run(...invitationRow(random, id))
  })()
  db.close()
}

/** The same rows again, generated, for envelopes built without a source. */
export function* benchRows(rows: number): Iterable<(string | number | null)[]> {
  const random = new Random(42)
  for (let id = 1; id <= rows; id++) yield invitationRow(random, id)
}

/**
 * The rows of a source made by createBenchSource, read back in key order: what the raw loads
 * send, so that they pay for reading the source as the task and pgloader do, and no more.
 */
export function* sourceRows(file: string): Iterable<(string | number | null)[]> {
  const db = new Database(file, { readonly: true })
  try {
    const select = db.prepare('select * from invitation order by invitation_id').raw()
    yield* select.iterate() as Iterable<(string | number | null)[]>
  } finally {
    db.close()
  }
}
