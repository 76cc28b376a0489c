import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from './sql-dialect.ts'

/**
 * Work for a driver that Kysely cannot express (COPY, LOAD DATA, a bulk load, a prepared
 * statement kept across batches). Kysely passes only SQL text and parameters to a connection,
 * so the job waits here, a marker statement carries its id, and the wrapped connection that
 * sees the marker takes the job and runs it on itself, inside the caller's transaction. Each
 * connector holds its own, shared by the connections it makes and the bulk path it supplies.
 */
export class DriverJobs<T> {
  readonly marker: string
  readonly #jobs = new Map<string, T>()

  constructor(marker: string) {
    this.marker = marker
  }

  /** Whether a statement is this channel's marker. */
  marks(text: unknown): boolean {
    return typeof text === 'string' && text.startsWith(this.marker)
  }

  /** Runs the job on the connection of `db` (the caller's transaction): `<marker> select <id>`. */
  async run(db: Db, job: T): Promise<void> {
    const id = this.register(job)
    try {
      await sql`${sql.raw(this.marker)} select ${id}`.execute(db)
    } finally {
      this.#jobs.delete(id)
    }
  }

  /** Keeps a job for the marker statement that will carry the id returned. */
  register(job: T): string {
    const id = randomUUID()
    this.#jobs.set(id, job)
    return id
  }

  /** The job of a marker statement, once; undefined when it is unknown or was taken. */
  take(id: unknown): T | undefined {
    const key = String(id)
    const job = this.#jobs.get(key)
    this.#jobs.delete(key)
    return job
  }
}
