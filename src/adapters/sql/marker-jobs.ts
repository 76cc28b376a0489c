import { randomUUID } from 'node:crypto'

/**
 * Work for a driver that Kysely cannot express (COPY, LOAD DATA, a bulk load, a prepared
 * statement kept across batches). Kysely passes only SQL text and parameters to a connection,
 * so the work is registered here, a marker statement carries its id, and the wrapped connection
 * that sees the marker takes the job and runs it on itself, inside the caller's transaction.
 */
export class MarkerJobs<T> {
  readonly #jobs = new Map<string, T>()

  register(job: T): string {
    const id = randomUUID()
    this.#jobs.set(id, job)
    return id
  }

  /** The job of a marker statement, once; undefined when it is unknown or was taken. */
  take(id: string): T | undefined {
    const job = this.#jobs.get(id)
    this.#jobs.delete(id)
    return job
  }

  forget(id: string): void {
    this.#jobs.delete(id)
  }
}
