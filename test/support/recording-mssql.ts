import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  MssqlAdapter,
  MssqlIntrospector,
  MssqlQueryCompiler,
  type QueryResult,
} from 'kysely'
import type { Db } from '../../src/adapters/sql/sql-dialect.ts'

export interface Recorded {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/**
 * Kysely with SQL Server's compiler and a driver that records every statement instead of
 * sending it, answering from a script: the SQL Server adapter's statements asserted exactly
 * where no SQL Server can run.
 */
export function recordingMssql(answer: (query: Recorded) => Record<string, unknown>[] = () => []) {
  const statements: Recorded[] = []
  const connection: DatabaseConnection = {
    async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
      const recorded = { sql: compiled.sql, parameters: compiled.parameters }
      statements.push(recorded)
      return { rows: answer(recorded) as R[], numAffectedRows: 1n }
    },
    async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
      const recorded = { sql: compiled.sql, parameters: compiled.parameters }
      statements.push(recorded)
      yield { rows: answer(recorded) as R[] }
    },
  }
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return connection
    },
    async beginTransaction(_connection, settings) {
      const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : ''
      statements.push({ sql: `begin transaction${level}`, parameters: [] })
    },
    async commitTransaction() {
      statements.push({ sql: 'commit', parameters: [] })
    },
    async rollbackTransaction() {
      statements.push({ sql: 'rollback', parameters: [] })
    },
    async releaseConnection() {},
    async destroy() {},
  }
  const db: Db = new Kysely({
    dialect: {
      createAdapter: () => new MssqlAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new MssqlIntrospector(k),
      createQueryCompiler: () => new MssqlQueryCompiler(),
    },
  })
  return { db, statements }
}
