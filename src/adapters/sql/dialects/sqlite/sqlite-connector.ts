import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { ContextId } from '../../../../domain/handshake/context-id.ts'
import { privateDir, privateFile } from '../../../system/private-files.ts'
import { DriverJobs } from '../../driver-jobs.ts'
import type { TenantConnector } from '../../kysely-mirror-databases.ts'
import type { BulkUpsert, Db } from '../../sql-dialect.ts'
import { BULK_MARKER, type BulkJob, bulkCapable, sqliteBulkUpsert } from './sqlite-bulk.ts'
import { SqlitePageCaches } from './sqlite-page-caches.ts'

/**
 * The page cache all of a connector's open mirrors share (sqlite-page-caches.ts). 16 MB rather
 * than 32: 50 tenants loading at once peaked at 233–251 MB of RSS against 248–272, at the same
 * rate (each mirror's 330 KiB still holds a 2,000-row call's pages).
 */
export const PAGE_CACHE_KIB = 16 * 1024

/**
 * One SQLite file per tenant, `<dir>/<database name>.sqlite` (wire-profile §6). WAL lets
 * readers (a partner's reports) run beside the writer; NORMAL sync keeps every committed batch
 * across a crash of the process, and a power cut can only lose whole recent transactions, each
 * with its own LSN, which the Mirroring Task then resends. `durable`: FULL sync, each commit
 * flushed (--durable-commits).
 */
export class SqliteConnector implements TenantConnector {
  readonly #dir: string
  readonly #name: (contextId: ContextId) => string
  readonly #jobs = new DriverJobs<BulkJob>(BULK_MARKER)
  readonly #caches = new SqlitePageCaches(PAGE_CACHE_KIB)
  readonly bulk: BulkUpsert = sqliteBulkUpsert(this.#jobs)
  readonly #durable: boolean

  constructor(dir: string, name: (contextId: ContextId) => string, durable = false) {
    this.#dir = resolve(dir)
    this.#name = name
    this.#durable = durable
  }

  fileFor(contextId: ContextId): string {
    return join(this.#dir, `${this.#name(contextId)}.sqlite`)
  }

  /** The directory exists (made if need be, private) and this process may write in it. */
  async probe(): Promise<void> {
    privateDir(this.#dir)
    await access(this.#dir, constants.W_OK)
  }

  async open(contextId: ContextId): Promise<Db> {
    privateDir(this.#dir)
    return openSqlite(this.fileFor(contextId), this.#jobs, this.#caches, this.#durable)
  }
}

/**
 * WAL pages (4 KB) a mirror's commits let pile up before one of them copies them into the database
 * file, SQLite's default being 1,000. A full load commits every megabyte or so; each checkpoint
 * syncs both files on the service's thread, and a page many commits wrote (the key's interior
 * pages, the metadata row's) is copied once a checkpoint. The WAL file of a mirror that took a big
 * load stays at up to 32 MB.
 */
const MIRROR_CHECKPOINT_PAGES = 8000

/**
 * Opens (creating it private, 0600) a SQLite database the service owns: a mirror or the
 * registry. A mirror's also runs its connector's bulk jobs and takes its share of the page cache.
 * `durable`: every commit synced (FULL) rather than at checkpoints (NORMAL).
 */
export function openSqlite(file: string, jobs?: DriverJobs<BulkJob>, caches?: SqlitePageCaches, durable = false): Db {
  privateFile(file)
  const database = new Database(file)
  database.pragma('journal_mode = WAL')
  database.pragma(durable ? 'synchronous = FULL' : 'synchronous = NORMAL')
  database.pragma('busy_timeout = 10000')
  if (jobs) database.pragma(`wal_autocheckpoint = ${MIRROR_CHECKPOINT_PAGES}`)
  // Integers come back as BigInt so that bigint columns keep every digit.
  database.defaultSafeIntegers(true)
  caches?.join(database)
  return new Kysely({
    dialect: new SqliteDialect({
      // The state store and the registry run no bulk jobs, but keep their statements too: Kysely
      // would prepare a call's nonce claim and activity record again every time.
      database: bulkCapable(database, jobs ?? new DriverJobs<BulkJob>(BULK_MARKER), () => caches?.leave(database)),
    }),
  })
}
