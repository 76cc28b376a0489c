import { quoteId, triggerNames } from '../../../src/adapters/task/sources/sqlite/sqlite-tracking-sql.ts'

/**
 * The tracking triggers as releases before `_tm_ct_change` wrote them (bookkeeping inline in
 * every trigger), kept verbatim so that the upgrade of a source tracked by such a release is
 * tested against what those releases really left behind.
 */

function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

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
export function legacyTrackingTriggers(table: string, keyColumns: readonly string[]): string[] {
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

/** A key as JSON text, as the releases with `_tm_ct_change` but before `_tm_ct_change_1` wrote it. */
function sharedKeyJson(row: 'NEW' | 'OLD', keyColumns: readonly string[]): string {
  const parts = keyColumns.map((c) => {
    const ref = `${row}.${quoteId(c)}`
    return `iif(typeof(${ref}) = 'blob', json_object('b', hex(${ref})), ${ref})`
  })
  return `json_array(${parts.join(', ')})`
}

/**
 * The tracking triggers as releases with `_tm_ct_change` but before `_tm_ct_change_1` wrote them:
 * every key, one column or several, made into JSON text in each trigger.
 */
export function sharedViewTrackingTriggers(table: string, keyColumns: readonly string[]): string[] {
  const [insert, update, remove] = triggerNames(table).map(quoteId)
  const target = quoteId(table)
  const record = (oldKey: string, newKey: string) =>
    `begin insert into "_tm_ct_change" values (${quoteText(table)}, ${oldKey}, ${newKey}); end`
  const oldKey = sharedKeyJson('OLD', keyColumns)
  const newKey = sharedKeyJson('NEW', keyColumns)
  return [
    `create trigger ${insert} after insert on ${target} ${record('null', newKey)}`,
    `create trigger ${update} after update on ${target} ${record(oldKey, newKey)}`,
    `create trigger ${remove} after delete on ${target} ${record(oldKey, 'null')}`,
  ]
}
