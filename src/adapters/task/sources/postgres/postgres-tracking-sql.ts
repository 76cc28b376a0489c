import { createHash } from 'node:crypto'
import { quoteId, quoteLiteral } from './postgres-connection.ts'

export const TRACKING_PREFIX = '_tm_ct_'

/** Bumped whenever the functions below change, so that enableTracking replaces them. */
export const TRACKING_REVISION = 'tenant-mirror change tracking 1'

export const CAPTURE_TRIGGER = '_tm_ct_capture'
export const TRUNCATE_TRIGGER = '_tm_ct_truncate'

const BODY = '$_tm_ct_body$'

/**
 * Bookkeeping and trigger functions of trigger-based change tracking in one schema
 * (docs/sources.md). Every writing transaction takes ONE version, from
 * `update _tm_ct_version … returning`, cached for the rest of the transaction in a
 * transaction-local setting. The row lock taken there is held until commit, so transactions
 * that write tracked tables commit one after the other, in version order: a reader that sees
 * version V has seen every change up to V, and a change still in flight will carry a version
 * above V. That serialises writers of tracked tables, as SQL Server's commit-ordered versions do.
 * The functions run as their owner (SECURITY DEFINER), so the application's roles need no
 * rights on the bookkeeping tables.
 */
export function installSql(schema: string): string {
  const s = quoteId(schema)
  if (s.includes(BODY)) throw new Error('the source schema name cannot be used for change tracking')
  // A per-schema setting name: two tracked schemas written in one transaction keep their own versions.
  const setting = `tm_ct.v${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`
  const definer = `language plpgsql security definer set search_path = pg_catalog, pg_temp`
  const upsert = (key: string, operation: string, creation: string, onConflict: string) => `
    insert into ${s}._tm_ct_changes as c (table_name, key, operation, version, creation_version, changed_at)
    values (tg_table_name, ${key}, '${operation}', v, ${creation}, now())
    on conflict (table_name, key) do update set ${onConflict};`
  return `
create table if not exists ${s}._tm_ct_version (
  id int primary key check (id = 1),
  version bigint not null
);
insert into ${s}._tm_ct_version (id, version) values (1, 0) on conflict do nothing;
create table if not exists ${s}._tm_ct_tables (
  table_name text primary key,
  key_columns text[] not null,
  enabled_version bigint not null,
  min_valid_version bigint not null,
  enabled_at timestamptz not null default now()
);
create table if not exists ${s}._tm_ct_changes (
  table_name text not null,
  key jsonb not null,
  operation char(1) not null check (operation in ('I', 'U', 'D')),
  version bigint not null,
  creation_version bigint,
  changed_at timestamptz not null,
  primary key (table_name, key)
);
create index if not exists _tm_ct_changes_by_version on ${s}._tm_ct_changes (table_name, version);

create or replace function ${s}._tm_ct_transaction_version() returns bigint ${definer} as ${BODY}
declare
  tx text := txid_current()::text;
  cached text := current_setting(${quoteLiteral(setting)}, true);
  v bigint;
begin
  if cached is not null and split_part(cached, ':', 1) = tx then
    return split_part(cached, ':', 2)::bigint;
  end if;
  update ${s}._tm_ct_version set version = version + 1 where id = 1 returning version into v;
  perform set_config(${quoteLiteral(setting)}, tx || ':' || v::text, true);
  return v;
end ${BODY};

create or replace function ${s}._tm_ct_capture() returns trigger ${definer} as ${BODY}
declare
  v bigint := ${s}._tm_ct_transaction_version();
  new_key jsonb;
  old_key jsonb;
  doc jsonb;
  col text;
begin
  -- The key columns are the trigger's arguments; the key is a JSON array of their values.
  if tg_op <> 'DELETE' then
    doc := to_jsonb(new);
    new_key := '[]';
    foreach col in array tg_argv loop new_key := new_key || jsonb_build_array(doc -> col); end loop;
  end if;
  if tg_op <> 'INSERT' then
    doc := to_jsonb(old);
    old_key := '[]';
    foreach col in array tg_argv loop old_key := old_key || jsonb_build_array(doc -> col); end loop;
  end if;
  if tg_op = 'UPDATE' and old_key = new_key then
    ${upsert('new_key', 'U', 'null', `operation = 'U', version = v, changed_at = now()`)}
    return null;
  end if;
  -- A changed key is a delete of the old key and an insert of the new one.
  if old_key is not null then
    ${upsert('old_key', 'D', 'null', `operation = 'D', version = v, changed_at = now()`)}
  end if;
  if new_key is not null then
    ${upsert('new_key', 'I', 'v', `operation = 'I', version = v, creation_version = v, changed_at = now()`)}
  end if;
  return null;
end ${BODY};

-- TRUNCATE fires no row triggers: the table's changes become incomplete, so its minimum valid
-- version moves past them and every mirror reloads it (SQL Server does the same).
create or replace function ${s}._tm_ct_truncated() returns trigger ${definer} as ${BODY}
declare
  v bigint := ${s}._tm_ct_transaction_version();
begin
  delete from ${s}._tm_ct_changes where table_name = tg_table_name;
  update ${s}._tm_ct_tables set min_valid_version = v where table_name = tg_table_name;
  return null;
end ${BODY};

comment on function ${s}._tm_ct_capture() is ${quoteLiteral(TRACKING_REVISION)};
`
}

export function dropTriggersSql(schema: string, table: string): string {
  const target = `${quoteId(schema)}.${quoteId(table)}`
  return `drop trigger if exists ${CAPTURE_TRIGGER} on ${target}; drop trigger if exists ${TRUNCATE_TRIGGER} on ${target};`
}

export function createTriggersSql(schema: string, table: string, keyColumns: readonly string[]): string {
  const s = quoteId(schema)
  const target = `${s}.${quoteId(table)}`
  const args = keyColumns.map(quoteLiteral).join(', ')
  return `create trigger ${CAPTURE_TRIGGER} after insert or update or delete on ${target}
            for each row execute function ${s}._tm_ct_capture(${args});
          create trigger ${TRUNCATE_TRIGGER} after truncate on ${target}
            for each statement execute function ${s}._tm_ct_truncated();`
}
