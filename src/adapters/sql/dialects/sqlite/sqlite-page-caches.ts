import type Database from 'better-sqlite3'

/** SQLite's own default page cache per connection (`cache_size = -2000`): a lone mirror keeps it. */
const MOST_KIB = 2000
const LEAST_KIB = 256

/**
 * One page-cache budget shared by a connector's open mirrors. Each SQLite connection has its
 * own cache, 2 MB by default, so 50 tenants loading at once held about 100 MB of pages (the
 * many-tenants benchmark); a mirror gets `totalKib / open` instead, never more than SQLite's
 * default (a single large load keeps its speed) and never less than 256 KiB. A call's
 * transaction larger than its mirror's cache spills pages to the WAL early: slower, not wrong.
 */
export class SqlitePageCaches {
  readonly #totalKib: number
  readonly #open = new Set<Database.Database>()
  #eachKib = MOST_KIB

  constructor(totalKib: number) {
    this.#totalKib = totalKib
  }

  /** The cache each open mirror has now, in KiB. */
  get eachKib(): number {
    return this.#eachKib
  }

  join(database: Database.Database): void {
    this.#open.add(database)
    this.#resize(database)
  }

  leave(database: Database.Database): void {
    if (this.#open.delete(database)) this.#resize()
  }

  /** Sets every open mirror's share when it changed, and a newcomer's whatever. */
  #resize(newcomer?: Database.Database): void {
    const each = Math.max(LEAST_KIB, Math.min(MOST_KIB, Math.floor(this.#totalKib / Math.max(1, this.#open.size))))
    const changed = each !== this.#eachKib
    this.#eachKib = each
    for (const database of changed ? this.#open : newcomer ? [newcomer] : []) {
      try {
        database.pragma(`cache_size = -${each}`)
      } catch {
        // A connection in the middle of streaming rows takes no statement: it keeps its share
        // until the next resize, which only bounds memory less tightly meanwhile.
      }
    }
  }
}
