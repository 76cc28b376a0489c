import type pg from 'pg'
import type { ChangeSource, SourceSnapshot } from '../../../../application/task/ports/change-source.port.ts'
import type { WireTableSchema } from '../../../../domain/protocol/messages.ts'
import type { SourceOptions } from '../source-options.ts'
import { keylessTables, primaryKey, readTables } from './postgres-catalog.ts'
import { type PostgresSourceLocation, parsePostgresSourceUrl, quoteId, sourcePool } from './postgres-connection.ts'
import { PostgresSnapshot } from './postgres-snapshot.ts'
import {
  CAPTURE_TRIGGER,
  createTriggersSql,
  dropTriggersSql,
  installSql,
  TRACKING_REVISION,
  TRUNCATE_TRIGGER,
} from './postgres-tracking-sql.ts'

/** Session settings that fix how the snapshot's values are printed, whatever the server's defaults. */
const READ_SETTINGS =
  "set local datestyle = 'ISO, MDY'; set local timezone = 'UTC'; set local intervalstyle = 'postgres'; set local extra_float_digits = 1"

export async function openPostgresSource(url: string, options: SourceOptions): Promise<ChangeSource> {
  const location = parsePostgresSourceUrl(url)
  const pool = sourcePool(location)
  try {
    await pool.query('select 1')
  } catch (error) {
    await pool.end()
    throw new Error(`cannot reach postgres source ${location.described}: ${messageOf(error)}`)
  }
  return new PostgresChangeSource(pool, location, options)
}

/**
 * A schema of a tenant's PostgreSQL database as a change-tracking source: SQL Server change
 * tracking rebuilt with triggers (docs/sources.md, postgres-tracking-sql.ts).
 */
export class PostgresChangeSource implements ChangeSource {
  readonly #pool: pg.Pool
  readonly #schema: string
  readonly #described: string
  readonly #options: SourceOptions
  #installed = false

  constructor(pool: pg.Pool, location: PostgresSourceLocation, options: SourceOptions) {
    this.#pool = pool
    this.#schema = location.schema
    this.#described = location.described
    this.#options = options
  }

  async enableTracking(): Promise<void> {
    await this.#install()
    await this.cleanup(this.#options.clock())
  }

  /**
   * Retention, as SQL Server's cleanup task: forgets changes recorded before `now - retention`
   * and raises each affected table's minimum valid version to the newest version forgotten, so
   * that a mirror older than that reloads in full. Cheap; runs from enableTracking.
   */
  async cleanup(now: number): Promise<{ forgotten: number }> {
    const cutoff = new Date(now - this.#options.retentionMs)
    return this.#transaction(async (client) => {
      await client.query(
        `update ${this.#name('_tm_ct_tables')} t set min_valid_version = greatest(t.min_valid_version, old.version)
           from (select table_name, max(version) as version from ${this.#name('_tm_ct_changes')}
                  where changed_at < $1 group by table_name) old
          where t.table_name = old.table_name`,
        [cutoff],
      )
      const kept = await client.query(
        `delete from ${this.#name('_tm_ct_changes')} c using ${this.#name('_tm_ct_tables')} t
          where c.table_name = t.table_name and c.version <= t.min_valid_version`,
      )
      const orphans = await client.query(
        `delete from ${this.#name('_tm_ct_changes')} c
          where not exists (select 1 from ${this.#name('_tm_ct_tables')} t where t.table_name = c.table_name)`,
      )
      return { forgotten: (kept.rowCount ?? 0) + (orphans.rowCount ?? 0) }
    })
  }

  async readSchema(): Promise<readonly WireTableSchema[]> {
    return readTables(this.#pool, this.#schema)
  }

  async keylessTables(): Promise<readonly string[]> {
    return keylessTables(this.#pool, this.#schema)
  }

  async trackTable(table: string): Promise<{ readonly justEnabled: boolean }> {
    await this.#install()
    const justEnabled = await this.#transaction(async (client) => {
      const key = await primaryKey(client, this.#schema, table)
      if (!key || key.columns.length === 0)
        throw new Error(`source table ${table} does not exist or has no primary key`)
      const tracked = await client.query<{ key_columns: string }>(
        `select array_to_json(key_columns)::text as key_columns from ${this.#name('_tm_ct_tables')} where table_name = $1`,
        [table],
      )
      const triggers = await client.query<{ n: string }>(
        `select count(*) as n from pg_trigger where tgrelid = $1::oid and tgname in ($2, $3)`,
        [key.oid, CAPTURE_TRIGGER, TRUNCATE_TRIGGER],
      )
      // A table dropped and created again lost its triggers; a changed key needs new ones.
      const sameKey = tracked.rows[0]?.key_columns === JSON.stringify(key.columns)
      if (sameKey && Number(triggers.rows[0]!.n) === 2) return false
      await this.#forget(client, table)
      // CREATE TRIGGER waits for writers in flight on the table and holds new ones until commit:
      // every write after this transaction is tracked, every one before is in the full load.
      await client.query(createTriggersSql(this.#schema, table, key.columns))
      await client.query(
        `insert into ${this.#name('_tm_ct_tables')} (table_name, key_columns, enabled_version, min_valid_version)
         select $1, $2::text[], version, version from ${this.#name('_tm_ct_version')} where id = 1`,
        [table, key.columns],
      )
      return true
    })
    return { justEnabled }
  }

  async tablesToTrack(tables: readonly string[]): Promise<readonly string[]> {
    await this.#install()
    // trackTable's check for every table in one statement, not five round trips each.
    const { rows } = await this.#pool.query<{ name: string }>(
      `select w.name
         from unnest($2::text[]) with ordinality as w(name, position)
         left join pg_class c on c.relname = w.name and c.relkind in ('r', 'p')
               and c.relnamespace = (select oid from pg_namespace where nspname = $1)
         left join ${this.#name('_tm_ct_tables')} t on t.table_name = w.name
         left join lateral (
           select array_agg(a.attname::text order by u.position) as columns
             from pg_constraint k
            cross join lateral unnest(k.conkey) with ordinality as u(attnum, position)
             join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum
            where k.conrelid = c.oid and k.contype = 'p') key on true
        where c.oid is null or key.columns is null or t.key_columns is distinct from key.columns
           or (select count(*) from pg_trigger g where g.tgrelid = c.oid and g.tgname in ($3, $4)) <> 2
        order by w.position`,
      [this.#schema, tables, CAPTURE_TRIGGER, TRUNCATE_TRIGGER],
    )
    return rows.map((r) => r.name)
  }

  async untrackTable(table: string): Promise<void> {
    await this.#install()
    await this.#transaction((client) => this.#forget(client, table))
  }

  async snapshot<T>(work: (snapshot: SourceSnapshot) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect()
    let broken: Error | undefined
    try {
      await client.query(`begin isolation level repeatable read read only; ${READ_SETTINGS}`)
      // The first read fixes the snapshot: the version and every row read after it agree.
      const { rows } = await client
        .query<{ version: string }>(`select version from ${this.#name('_tm_ct_version')} where id = 1`)
        .catch((error: unknown) => {
          if (/does not exist/.test(messageOf(error)))
            throw new Error(`change tracking is not enabled on postgres source ${this.#described}`)
          throw error
        })
      const result = await work(new PostgresSnapshot(client, this.#schema, Number(rows[0]!.version)))
      await client.query('commit')
      return result
    } catch (error) {
      await client.query('rollback').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e))
      })
      throw error
    } finally {
      client.release(broken)
    }
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }

  /** Creates or upgrades the bookkeeping and functions; a no-op once they are current. */
  async #install(): Promise<void> {
    if (this.#installed) return
    const { rows } = await this.#pool.query<{ revision: string | null }>(
      `select obj_description(to_regprocedure(format('%I._tm_ct_capture()', $1::text)), 'pg_proc') as revision`,
      [this.#schema],
    )
    if (rows[0]?.revision !== TRACKING_REVISION) {
      await this.#transaction(async (client) => {
        await client.query(installSql(this.#schema))
      })
    }
    this.#installed = true
  }

  async #forget(client: pg.PoolClient, table: string): Promise<void> {
    if (await primaryKey(client, this.#schema, table)) await client.query(dropTriggersSql(this.#schema, table))
    await client.query(`delete from ${this.#name('_tm_ct_changes')} where table_name = $1`, [table])
    await client.query(`delete from ${this.#name('_tm_ct_tables')} where table_name = $1`, [table])
  }

  /** One transaction on one connection, serialised with other tracking steps on this schema. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect()
    try {
      await client.query('begin')
      await client.query(`select pg_advisory_xact_lock(hashtext('tenant-mirror change tracking ' || $1))`, [
        this.#schema,
      ])
      const result = await work(client)
      await client.query('commit')
      return result
    } catch (error) {
      await client.query('rollback').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  #name(table: string): string {
    return `${quoteId(this.#schema)}.${quoteId(table)}`
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.slice(0, 300) : String(error)
}
