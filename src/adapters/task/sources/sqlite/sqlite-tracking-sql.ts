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

/** Milliseconds since 1970 in UTC, inside a trigger (julianday works on every SQLite version). */
const NOW_MS = `cast((julianday('now') - 2440587.5) * 86400000 as integer)`

/**
 * What a row change records, written once: a tracked table's triggers insert
 * `(table_name, old_key, new_key)` into the view `_tm_ct_change` (old_key NULL for an insert,
 * new_key NULL for a delete) and this INSTEAD OF trigger does the rest. Every trigger in the
 * schema is parsed whenever a connection opens, so the logic lives here and not 1,200 times
 * over (413 tables: 1.4 MB of trigger text took about 30 ms to parse and 12 to free; now 0.35 MB,
 * 8 and 1.5). Each change takes a new version (SQLite has one writer at a time and readers see
 * whole transactions, so versions follow commit order) and upserts the key's one net-change row;
 * an update that changes the key records a delete of the old key and an insert of the new one.
 */
const RECORD_CHANGE = `
create view if not exists "_tm_ct_change" (table_name, old_key, new_key) as select null, null, null where 0;
create trigger if not exists "_tm_ct_record" instead of insert on "_tm_ct_change" begin
  update "_tm_ct_version" set version = version + 1 where id = 1;
  insert into "_tm_ct_changes" (table_name, key, operation, version, creation_version, changed_at)
  select NEW.table_name, NEW.old_key, 'D', version, null, ${NOW_MS} from "_tm_ct_version"
  where NEW.old_key is not null and NEW.old_key is not NEW.new_key
  on conflict (table_name, key) do update set operation = 'D', version = excluded.version, changed_at = excluded.changed_at;
  insert into "_tm_ct_changes" (table_name, key, operation, version, creation_version, changed_at)
  select NEW.table_name, NEW.new_key, iif(NEW.old_key is NEW.new_key, 'U', 'I'), version,
         iif(NEW.old_key is NEW.new_key, null, version), ${NOW_MS} from "_tm_ct_version"
  where NEW.new_key is not null
  on conflict (table_name, key) do update set operation = excluded.operation, version = excluded.version,
    changed_at = excluded.changed_at,
    creation_version = iif(excluded.operation = 'I', excluded.creation_version, creation_version);
end;
`

/**
 * Most tables have a one-column key: their triggers hand the key's value as it is to
 * `_tm_ct_change_1` (`has_old`/`has_new` say whether there is an old or a new row, as a NULL key
 * value would not), whose trigger makes the key's JSON text as keyJson does and hands it on to
 * `_tm_ct_change`. Every connection parses every trigger as it opens: the 413-table demo schema's
 * trigger text is 0.22 MB rather than 0.37, and a connection opens in about 6.7 ms rather than
 * 9.8 and closes in 0.9 rather than 1.6.
 */
const RECORD_SINGLE_KEY_CHANGE = `
create view if not exists "_tm_ct_change_1" (table_name, has_old, old_value, has_new, new_value) as
  select null, null, null, null, null where 0;
create trigger if not exists "_tm_ct_record_1" instead of insert on "_tm_ct_change_1" begin
  insert into "_tm_ct_change" values (NEW.table_name,
    iif(NEW.has_old, json_array(iif(typeof(NEW.old_value) = 'blob', json_object('b', hex(NEW.old_value)), NEW.old_value)), null),
    iif(NEW.has_new, json_array(iif(typeof(NEW.new_value) = 'blob', json_object('b', hex(NEW.new_value)), NEW.new_value)), null));
end;
`

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
${RECORD_CHANGE}${RECORD_SINGLE_KEY_CHANGE}`

/**
 * Triggers of tracked tables written by earlier releases, which `#install` rewrites in place (same
 * names, same recorded changes): those with the whole bookkeeping inline (before
 * `_tm_ct_change`), and those of one-column keys that make the key's JSON themselves (before
 * `_tm_ct_change_1`).
 */
export const LEGACY_TRIGGERS = `
select tr.tbl_name as "table", tr.name from sqlite_master tr
where tr.type = 'trigger' and tr.name not in ('_tm_ct_record', '_tm_ct_record_1') and substr(tr.name, 1, 7) = '_tm_ct_'
  and (instr(tr.sql, '"_tm_ct_changes"') > 0
       or (instr(tr.sql, 'insert into "_tm_ct_change" values') > 0
           and exists (select 1 from "_tm_ct_tables" t where t.table_name = tr.tbl_name and json_array_length(t.key_columns) = 1)))`

/** SQLite identifier quoting: the quote character doubled, so any name stays one identifier. */
export function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

export const triggerNames = (table: string) =>
  (['ins', 'upd', 'del'] as const).map((op) => `${TRACKING_PREFIX}${op}_${table}`)

/**
 * A key as JSON text: `[1]`, `["a", 2]`. Blobs, which JSON cannot hold, become `{"b": hex}`.
 * The text is the identity of a key in `_tm_ct_changes`, so it must not depend on anything but
 * the stored values.
 */
function keyJson(row: 'NEW' | 'OLD', keyColumns: readonly string[]): string {
  const parts = keyColumns.map((c) => {
    const ref = `${row}.${quoteId(c)}`
    return `iif(typeof(${ref}) = 'blob', json_object('b', hex(${ref})), ${ref})`
  })
  return `json_array(${parts.join(', ')})`
}

/** The three row triggers of a tracked table: each hands its keys to `_tm_ct_change` (or `_tm_ct_change_1`). */
export function trackingTriggers(table: string, keyColumns: readonly string[]): string[] {
  const [insert, update, remove] = triggerNames(table).map(quoteId)
  const target = quoteId(table)
  if (keyColumns.length === 1) {
    const key = quoteId(keyColumns[0]!)
    const record = (values: string) =>
      `begin insert into "_tm_ct_change_1" values (${quoteText(table)}, ${values}); end`
    return [
      `create trigger ${insert} after insert on ${target} ${record(`0, null, 1, NEW.${key}`)}`,
      `create trigger ${update} after update on ${target} ${record(`1, OLD.${key}, 1, NEW.${key}`)}`,
      `create trigger ${remove} after delete on ${target} ${record(`1, OLD.${key}, 0, null`)}`,
    ]
  }
  const record = (oldKey: string, newKey: string) =>
    `begin insert into "_tm_ct_change" values (${quoteText(table)}, ${oldKey}, ${newKey}); end`
  const oldKey = keyJson('OLD', keyColumns)
  const newKey = keyJson('NEW', keyColumns)
  return [
    `create trigger ${insert} after insert on ${target} ${record('null', newKey)}`,
    `create trigger ${update} after update on ${target} ${record(oldKey, newKey)}`,
    `create trigger ${remove} after delete on ${target} ${record(oldKey, 'null')}`,
  ]
}

/** The value of key column `i` back from the JSON key, in the type it was stored with. */
export function keyPart(alias: string, i: number): string {
  const path = `'$[${i}]'`
  return `case json_type(${alias}.key, ${path}) when 'object' then unhex(json_extract(${alias}.key, '$[${i}].b')) else json_extract(${alias}.key, ${path}) end`
}
