import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { TableLocks } from '../../sql-dialect.ts'

const LOCK_SECONDS = 60

/** GET_LOCK on the reserved session, released after the transaction ended. */
export const mysqlLocks: TableLocks = {
  async lock(db, keys) {
    for (const key of keys) {
      const { rows } = await sql<{
        got: number | null
      }>`select get_lock(${lockName(key)}, ${LOCK_SECONDS}) as got`.execute(db)
      if (Number(rows[0]?.got) !== 1) {
        throw Object.assign(new Error(`table lock not granted within ${LOCK_SECONDS} s`), { errno: 1205 })
      }
    }
  },
  async unlock(db, keys) {
    for (const key of [...keys].reverse()) await sql`select release_lock(${lockName(key)})`.execute(db)
  },
}

/** GET_LOCK names are at most 64 characters; longer keys go by their SHA-1. */
export function lockName(key: string): string {
  return key.length <= 64 ? key : `tm:${createHash('sha1').update(key).digest('hex')}`
}
