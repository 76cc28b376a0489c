import pg from 'pg'
import { guardPgPool } from '../../sql/driver-faults.ts'

export interface CycleLock {
  release(): Promise<void>
}

/**
 * PostgreSQL session advisory locks, one per (tenant, application) pair, held for the whole of
 * its cycle. A session lock lives as long as its connection: a worker that dies releases it with
 * its connection, and one that only looked dead (stalled, cut off from the queue's heartbeats)
 * still holds it, so the retry pg-boss hands to another worker waits instead of overlapping.
 * Each lock has a connection of its own, so that releasing one never waits on another cycle.
 */
export class CycleLocks {
  readonly #pool: pg.Pool

  private constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  static async open(url: string): Promise<CycleLocks> {
    return new CycleLocks(
      guardPgPool(new pg.Pool({ connectionString: url, max: 256, application_name: 'tenant-mirror-locks' })),
    )
  }

  /** The pair's lock, or undefined when another session holds it. */
  async take(key: string): Promise<CycleLock | undefined> {
    const client = await this.#pool.connect()
    try {
      const { rows } = await client.query<{ taken: boolean }>(
        "select pg_try_advisory_lock(hashtextextended('tenant-mirror cycle ' || $1, 0)) as taken",
        [key],
      )
      if (!rows[0]?.taken) {
        client.release()
        return undefined
      }
    } catch (error) {
      client.release(error as Error)
      throw error
    }
    let released = false
    return {
      release: async () => {
        if (released) return
        released = true
        try {
          await client.query("select pg_advisory_unlock(hashtextextended('tenant-mirror cycle ' || $1, 0))", [key])
          client.release()
        } catch (error) {
          // A connection that failed has lost its locks with it; it is not given back.
          client.release(error as Error)
        }
      },
    }
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}
