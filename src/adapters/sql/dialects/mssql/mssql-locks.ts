import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { TableLocks } from '../../sql-dialect.ts'

const LOCK_TIMEOUT_MS = 60_000

/** sp_getapplock, owned by the transaction: released by its commit or rollback. */
export const mssqlLocks: TableLocks = {
  async lock(db, keys) {
    for (const key of keys) {
      const { rows } = await lockStatement(key).execute(db)
      const result = Number(rows[0]?.result)
      if (result < 0) {
        throw Object.assign(new Error(`sp_getapplock returned ${result} for a table lock`), {
          number: result === -1 ? 1222 : result === -3 ? 1205 : 50000,
        })
      }
    }
  },
}

/** sp_getapplock resources are at most 255 characters; longer keys go by their SHA-1. */
export function lockResource(key: string): string {
  return key.length <= 255 ? key : `tm:${createHash('sha1').update(key).digest('hex')}`
}

export function lockStatement(key: string) {
  return sql<{ result: number }>`declare @result int;
exec @result = sp_getapplock @Resource = ${lockResource(key)}, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ${LOCK_TIMEOUT_MS};
select @result as result`
}
