import { EventEmitter } from 'node:events'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { guardConnection, guardMysqlPool, guardPgPool } from '../../../src/adapters/sql/driver-faults.ts'
import { POSTGRES_URL } from '../../support/servers.ts'

describe('driver fault guards', () => {
  it('keep an error on a pg client checked out of the pool from ending the process', async () => {
    const pool = guardPgPool(new pg.Pool({ connectionString: POSTGRES_URL, max: 1 }))
    try {
      const client = await pool.connect()
      // What pg does when the server drops a connection that has no query running.
      expect(() => client.emit('error', new Error('Connection terminated unexpectedly'))).not.toThrow()
      client.release(new Error('discard'))
      const { rows } = await pool.query('select 1 as one')
      expect(rows).toEqual([{ one: 1 }])
    } finally {
      await pool.end()
    }
  })

  it('listen on every mysql2 connection and on a tedious connection', () => {
    const pool = guardMysqlPool(new EventEmitter())
    const connection = new EventEmitter()
    pool.emit('connection', connection)
    expect(() => connection.emit('error', new Error('PROTOCOL_CONNECTION_LOST'))).not.toThrow()
    expect(() => pool.emit('error', new Error('lost'))).not.toThrow()
    const tedious = guardConnection(new EventEmitter())
    expect(() => tedious.emit('error', new Error('ESOCKET'))).not.toThrow()
    // Without the guard the same event throws: what ends a process.
    expect(() => new EventEmitter().emit('error', new Error('ESOCKET'))).toThrow('ESOCKET')
  })
})
