import { sql } from 'kysely'
import type { Db } from './sql-dialect.ts'

/**
 * Tries a fast way in behind a savepoint, inside the caller's transaction: kept when `attempt`
 * answers true; rolled back when it answers false, so that the caller takes the plain way.
 * An error from `attempt` leaves as it is (the transaction fails with it).
 */
export async function behindSavepoint(db: Db, attempt: () => Promise<boolean>): Promise<boolean> {
  await sql`savepoint tm_bulk`.execute(db)
  if (await attempt()) {
    await sql`release savepoint tm_bulk`.execute(db)
    return true
  }
  await sql`rollback to savepoint tm_bulk`.execute(db)
  await sql`release savepoint tm_bulk`.execute(db)
  return false
}
