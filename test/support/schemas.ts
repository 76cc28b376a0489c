import type { ColumnType } from '../../src/domain/schema/column-type.ts'
import { parseSqlServerType } from '../../src/domain/schema/sql-server-type.ts'

export {
  changes,
  column,
  createPlan,
  EVERY_TYPE,
  everyTypeRow,
  plan,
  schemaOf,
} from '../../src/testing/table-fixtures.ts'

/** The column type of a SQL Server type name, which must parse. */
export function sqlServerType(text: string): ColumnType {
  const parsed = parseSqlServerType(text)
  if (!parsed.ok) throw new Error(`not a SQL Server type: ${text}`)
  return parsed.value
}
