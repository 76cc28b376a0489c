import { formatDefaultValue } from './default-value.ts'
import type { AlterStep, SchemaChangeKind, TablePlan } from './schema-plan.ts'
import { formatSqlServerType } from './sql-server-type.ts'
import type { ColumnSchema } from './table-schema.ts'

/**
 * One line saying what a schema change did to a table, naming its columns and their SQL Server
 * types: what the dashboard's schema history shows. `change` is what was done, which may be a
 * recreate where the plan was an alter the engine could not perform.
 */
export function describePlan(plan: TablePlan, change: SchemaChangeKind): string {
  switch (plan.kind) {
    case 'unchanged':
      return ''
    case 'create':
      return `created: ${plan.table.columns.map(column).join(', ')}`
    case 'recreate':
      return `recreated, empty: ${plan.reason}`
    case 'alter': {
      const steps = plan.steps.map(step).join('; ')
      return change === 'Recreated' ? `recreated, empty: the engine cannot ${steps}` : steps
    }
  }
}

function column(c: ColumnSchema): string {
  return `${c.name} ${formatSqlServerType(c.type)}${c.nullable ? '' : ' not null'}`
}

function step(s: AlterStep): string {
  switch (s.kind) {
    case 'add-column':
      return `add ${column(s.column)}`
    case 'widen-column':
      return `widen ${s.to.name} from ${formatSqlServerType(s.from.type)}${s.from.nullable ? '' : ' not null'} to ${formatSqlServerType(s.to.type)}${s.to.nullable ? '' : ' not null'}`
    case 'change-default':
      return `change the default of ${s.to.name} from ${shown(s.from)} to ${shown(s.to)}`
  }
}

function shown(c: ColumnSchema): string {
  return c.defaultValue.kind === 'none' ? 'none' : formatDefaultValue(c.defaultValue)
}
