/**
 * The SQL of trigger-based change tracking on SQLite (docs/sources.md). Bookkeeping lives in
 * three tables whose names start with the reserved prefix, so that readSchema can hide them:
 * - `_tm_ct_version`: the database-wide version, raised by every tracked row change;
 * - `_tm_ct_tables`: per tracked table its key columns, the version tracking began at and the
 *   minimum valid version (raised by retention);
 * - `_tm_ct_changes`: one row per changed key, its last operation and version, and the version
 *   that created the row when that happened while tracked (SYS_CHANGE_CREATION_VERSION).
 */
export const TRACKING_PREFIX = '_tm_ct_'

export const BOOKKEEPING = `
create table if not exists "_tm_ct_version" (
  id integer primary key check (id = 1),
  version integer not null
);
insert into "_tm_ct_version" (id, version) values (1, 0) on conflict do nothing;
create table if not exists "_tm_ct_tables" (
  table_name text primary key collate nocase,
  key_columns text not null,
  enabled_version integer not null,
  min_valid_version integer not null,
  enabled_at integer not null
);
create table if not exists "_tm_ct_changes" (
  table_name text not null collate nocase,
  key text not null,
  operation text not null check (operation in ('I', 'U', 'D')),
  version integer not null,
  creation_version integer,
  changed_at integer not null,
  primary key (table_name, key)
) without rowid;
create index if not exists "_tm_ct_changes_by_version" on "_tm_ct_changes" (table_name, version);
`

/** SQLite identifier quoting: the quote character doubled, so any name stays one identifier. */
export function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

export const triggerNames = (table: string) =>
  (['ins', 'upd', 'del'] as const).map((op) => `${TRACKING_PREFIX}${op}_${table}`)

/** Milliseconds since 1970 in UTC, inside a trigger (julianday works on every SQLite version). */
const NOW_MS = `cast((julianday('now') - 2440587.5) * 86400000 as integer)`

/**
 * A key as JSON text: `[1]`, `["a", 2]`. Blobs, which JSON cannot hold, become `{"b": hex}`.
 * The text is the identity of a key in `_tm_ct_changes`, so it must not depend on anything but
 * the stored values.
 */
function keyJson(row: 'NEW' | 'OLD', keyColumns: readonly string[]): string {
  const parts = keyColumns.map((c) => {
    const ref = `${row}.${quoteId(c)}`
    return `case typeof(${ref}) when 'blob' then json_object('b', hex(${ref})) else ${ref} end`
  })
  return `json_array(${parts.join(', ')})`
}

/**
 * The three row triggers of a tracked table. Each change takes a new version (SQLite has one
 * writer at a time and readers see whole transactions, so versions follow commit order) and
 * upserts the key's one net-change row. An update that changes the key records a delete of the
 * old key and an insert of the new one.
 */
export function trackingTriggers(table: string, keyColumns: readonly string[]): string[] {
  const [insert, update, remove] = triggerNames(table).map(quoteId)
  const target = quoteId(table)
  const name = quoteText(table)
  const oldKey = keyJson('OLD', keyColumns)
  const newKey = keyJson('NEW', keyColumns)
  const bump = `update "_tm_ct_version" set version = version + 1 where id = 1;`
  const record = (key: string, operation: string, creation: string, where: string, onConflict: string) => `
    insert into "_tm_ct_changes" (table_name, key, operation, version, creation_version, changed_at)
    select ${name}, ${key}, ${operation}, version, ${creation}, ${NOW_MS} from "_tm_ct_version" where ${where}
    on conflict (table_name, key) do update set ${onConflict};`
  const moved = `${oldKey} is not ${newKey}`
  const asInsert = `operation = 'I', version = excluded.version, creation_version = excluded.creation_version, changed_at = excluded.changed_at`
  const keepCreation = (operation: string) =>
    `operation = ${operation}, version = excluded.version, changed_at = excluded.changed_at`
  return [
    `create trigger ${insert} after insert on ${target} begin ${bump}
      ${record(newKey, `'I'`, 'version', 'true', asInsert)} end`,
    `create trigger ${update} after update on ${target} begin ${bump}
      ${record(oldKey, `'D'`, 'null', moved, keepCreation(`'D'`))}
      ${record(
        newKey,
        `case when ${moved} then 'I' else 'U' end`,
        `case when ${moved} then version end`,
        'true',
        `operation = excluded.operation, version = excluded.version, changed_at = excluded.changed_at,
         creation_version = case when excluded.operation = 'I' then excluded.creation_version else creation_version end`,
      )} end`,
    `create trigger ${remove} after delete on ${target} begin ${bump}
      ${record(oldKey, `'D'`, 'null', 'true', keepCreation(`'D'`))} end`,
  ]
}

/** The value of key column `i` back from the JSON key, in the type it was stored with. */
export function keyPart(alias: string, i: number): string {
  const path = `'$[${i}]'`
  return `case json_type(${alias}.key, ${path}) when 'object' then unhex(json_extract(${alias}.key, '$[${i}].b')) else json_extract(${alias}.key, ${path}) end`
}
