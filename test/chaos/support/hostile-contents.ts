import type { OperationName, WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { type Call, rowDataCall, tableSchemaCall, wipeCall } from '../../support/envelopes.ts'
import { mintToken } from '../../support/tokens.ts'
import {
  BAD_DEFAULTS,
  BAD_LSNS,
  BAD_NULLABILITIES,
  BAD_OPERATIONS,
  BAD_TYPES,
  BAD_VALUES,
  changingPersonRows,
  gadgetBatch,
  personBatch,
  VALUE_COLUMNS,
} from './hostile-bodies.ts'
import { GADGET, PERSON, TENANT } from './hostile-mirror.ts'
import { type HostilePlan, type HostileRequest, hostileRequest, textOf } from './hostile-plans.ts'

/** Well-formed calls with a valid token whose content is wrong: identifiers, types, values, LSNs. */

export async function hostileIdentifier(plan: HostilePlan & { kind: 'hostile-identifier' }): Promise<HostileRequest> {
  const token = await mintToken()
  const name = textOf(plan.name)
  const others = (table: WireTableSchema): WireTableSchema[] => (plan.alone ? [table] : [PERSON, GADGET, table])
  const replaceColumn = (
    table: WireTableSchema,
    field: 'name' | 'type' | 'defaultValue' | 'isNullable',
    value: string,
  ) => {
    const at = plan.choice % table.columns.length
    return { ...table, columns: table.columns.map((c, i) => (i === at ? { ...c, [field]: value } : c)) }
  }
  const schemaCall = async (tables: WireTableSchema[]) => tableSchemaCall(tables, token)
  let call: Call
  switch (plan.where) {
    case 'schema-table':
      call = await schemaCall(others({ ...GADGET, name }))
      break
    case 'schema-column':
      call = await schemaCall([replaceColumn(PERSON, 'name', name), GADGET])
      break
    case 'schema-type':
      call = await schemaCall([replaceColumn(PERSON, 'type', BAD_TYPES[plan.choice % BAD_TYPES.length]!), GADGET])
      break
    case 'schema-default':
      call = await schemaCall([
        replaceColumn(PERSON, 'defaultValue', BAD_DEFAULTS[plan.choice % BAD_DEFAULTS.length]!),
        GADGET,
      ])
      break
    case 'schema-nullable':
      call = await schemaCall([
        replaceColumn(PERSON, 'isNullable', BAD_NULLABILITIES[plan.choice % BAD_NULLABILITIES.length]!),
        GADGET,
      ])
      break
    case 'schema-duplicate-table':
      call = await schemaCall([
        PERSON,
        GADGET,
        { ...GADGET, name: plan.pick % 2 === 0 ? 'gadget' : 'GADGET', columns: [GADGET.columns[0]!] },
      ])
      break
    case 'schema-duplicate-column':
      call = await schemaCall([
        {
          ...PERSON,
          columns: [...PERSON.columns, { ...PERSON.columns[1]!, name: plan.pick % 2 === 0 ? 'name' : 'NAME' }],
        },
        GADGET,
      ])
      break
    case 'schema-reserved': {
      const reserved = [
        `${TENANT}_mirroring`,
        `${TENANT.toLowerCase()}_MIRRORING`,
        'sqlite_master',
        'sqlite_sequence',
        'sqlite_x',
      ]
      call = await schemaCall(others({ ...GADGET, name: reserved[plan.choice % reserved.length]! }))
      break
    }
    case 'rowdata-table':
      call = await rowDataCall(
        [
          personBatch(changingPersonRows(plan.pick)),
          { ...personBatch(changingPersonRows(plan.pick + 1)), table: { ...PERSON, name } },
        ].slice(plan.alone ? 1 : 0),
        token,
      )
      break
    case 'rowdata-column':
      call = await rowDataCall(
        [{ ...personBatch(changingPersonRows(plan.pick)), table: replaceColumn(PERSON, 'name', name) }],
        token,
      )
      break
    case 'wipe-table':
      call = await wipeCall(name, token)
      break
  }
  const op: OperationName = plan.where.startsWith('schema')
    ? 'TableSchema'
    : plan.where === 'wipe-table'
      ? 'Wipe'
      : 'RowData'
  const named = ['schema-table', 'schema-column', 'rowdata-table', 'rowdata-column', 'wipe-table'].includes(plan.where)
  return hostileRequest(plan, `${plan.where}${named && name.length > 128 ? '-long' : ''}`, {
    op,
    action: call.action,
    token,
    body: call.body,
    expect: 'refused',
  })
}

export async function valueDoesNotFit(plan: HostilePlan & { kind: 'value-does-not-fit' }): Promise<HostileRequest> {
  const token = await mintToken()
  const target = VALUE_COLUMNS[plan.column]!
  const table = target.table
  const good =
    table === PERSON ? changingPersonRows(plan.choice, plan.rows) : changingGadgetRowsFor(plan.choice, plan.rows)
  const at = Math.floor(plan.at * good.length)
  const rows = good.map((r) => ({ ...r, values: [...r.values] }))
  const row = rows[at]!
  row.operation = plan.update ? 'U' : 'I'
  if (row.values.slice(1).every((v) => v === null))
    row.values.splice(0, row.values.length, ...fullRow(table, plan.choice))
  let lsn = String(11 + (plan.choice % 5))
  let variant: string = plan.target
  switch (plan.target) {
    case 'cell': {
      const candidates = [...(BAD_VALUES[target.type] ?? []), ...(target.nullable ? [] : [null])]
      row.values[target.index] = candidates[plan.choice % candidates.length]!
      variant = `${table.name}.${table.columns[target.index]!.name}`
      break
    }
    case 'lsn':
      lsn = BAD_LSNS[plan.choice % BAD_LSNS.length]!
      break
    case 'width':
      if (plan.choice % 2 === 0) row.values.pop()
      else row.values.push('[I:1]')
      break
    case 'operation':
      row.operation = BAD_OPERATIONS[plan.choice % BAD_OPERATIONS.length]!
      break
  }
  const batch = { table, lsn, rows }
  const other =
    table === PERSON
      ? gadgetBatch(changingGadgetRowsFor(plan.choice + 1, 2))
      : personBatch(changingPersonRows(plan.choice + 1))
  const call = await rowDataCall(plan.withGoodBatch ? [other, batch] : [batch], token)
  return hostileRequest(plan, variant, {
    op: 'RowData',
    action: call.action,
    token,
    body: call.body,
    expect: 'refused',
  })
}

function changingGadgetRowsFor(pick: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    operation: 'U',
    values: [`[I:${1 + ((pick + i) % 30)}]`, `[S:${(pick % 30_000) + 1}]`, '[I:7]', '[I:1]', null] as (string | null)[],
  }))
}

function fullRow(table: WireTableSchema, pick: number): (string | null)[] {
  const id = `[I:${1 + (pick % 40)}]`
  return table === PERSON ? [id, 'Mallory', '[F:1.5]', null] : [id, '[S:1]', '[I:1]', '[I:0]', null]
}
