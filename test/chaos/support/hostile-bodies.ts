import type { OperationName, WireRow, WireRowBatch, WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import {
  authenticateCall,
  type Call,
  completedCall,
  rowDataCall,
  tableSchemaCall,
  wipeCall,
} from '../../support/envelopes.ts'
import { column } from '../../support/schemas.ts'
import { GADGET, gadgetRow, PERSON, personRow, SEEDED_LSN } from './hostile-mirror.ts'

/**
 * Valid calls that would change the mirror if the service took them: every hostile request is
 * one of these with one thing wrong, so that a wrongly accepted request shows in the digest.
 */

export const OPERATIONS: readonly OperationName[] = [
  'Authenticate',
  'TableSchema',
  'RowData',
  'Wipe',
  'ReplicationCompleted',
]
export const WRITES: readonly OperationName[] = ['TableSchema', 'RowData', 'Wipe']

/** TableSchema requests that would each change the mirror: a new table, a dropped table, an added column. */
export function changingSchemas(pick: number): WireTableSchema[] {
  switch (pick % 3) {
    case 0:
      return [PERSON, GADGET, { name: 'intruder', columns: [column('id', 'int', 'false')] }]
    case 1:
      return [PERSON]
    default:
      return [{ ...PERSON, columns: [...PERSON.columns, column('extra', 'nvarchar(10)')] }, GADGET]
  }
}

/** Rows for `person` that insert, update and delete: any of them applied changes the mirror. */
export function changingPersonRows(pick: number, count = 3): WireRow[] {
  const rows: WireRow[] = []
  for (let i = 0; i < count; i++) {
    const id = 1 + ((pick + i * 7) % 40)
    if (i % 3 === 2) rows.push({ operation: 'D', values: [`[I:${id}]`, null, null, null] })
    else rows.push({ operation: i % 3 === 0 ? 'I' : 'U', values: personRow(id, `Mallory ${pick % 1000}-${i}`) })
  }
  return rows
}

export function changingGadgetRows(pick: number, count = 2): WireRow[] {
  return Array.from({ length: count }, (_, i) => {
    const row = gadgetRow(1 + ((pick + i) % 30))
    row[1] = `[S:${(pick % 30_000) + 1}]`
    return { operation: 'U', values: row }
  })
}

export function personBatch(rows: readonly WireRow[], lsn: string = String(SEEDED_LSN + 1)): WireRowBatch {
  return { table: PERSON, lsn, rows }
}

export function gadgetBatch(rows: readonly WireRow[], lsn: string = String(SEEDED_LSN + 2)): WireRowBatch {
  return { table: GADGET, lsn, rows }
}

/** A well-formed call of `op` with this token that would succeed and (for writes) change the mirror. */
export async function opCall(op: OperationName, token: string, pick: number): Promise<Call> {
  switch (op) {
    case 'Authenticate':
      return authenticateCall(token)
    case 'TableSchema':
      return tableSchemaCall(changingSchemas(pick), token)
    case 'RowData':
      return rowDataCall(
        pick % 2 === 0
          ? [personBatch(changingPersonRows(pick))]
          : [gadgetBatch(changingGadgetRows(pick)), personBatch(changingPersonRows(pick, 2))],
        token,
      )
    case 'Wipe':
      return wipeCall(pick % 2 === 0 ? 'person' : 'gadget', token)
    case 'ReplicationCompleted':
      return completedCall([{ table: 'person', inserts: '1', updates: String(pick % 5), deletes: '0' }], token)
  }
}

/** A RowData for `person` whose first row has these values, followed by rows that would change the mirror. */
export function rowDataStartingWith(values: (string | null)[], token: string): Promise<Call> {
  return rowDataCall([personBatch([{ operation: 'I', values }, ...changingPersonRows(3)])], token)
}

/** Values each column refuses: not its type, out of its range, malformed, or NULL where it may not be. */
export const BAD_VALUES: Readonly<Record<string, readonly (string | null)[]>> = {
  int: [
    '[I:abc]',
    '[I:2147483648]',
    '[I:-2147483649]',
    '[I:1.5]',
    '[I:]',
    '12',
    '[F:12]',
    '[DT:01/01/2000 00:00:00]',
    `[I:${'9'.repeat(25)}]`,
    '[I:0x10]',
    '[I: 5]',
    '[I:+]',
    '[B:AAAA]',
    '[I:1e3]',
    "[I:1'; DROP TABLE person;--]",
    '[I:١٢]',
  ],
  smallint: ['[S:32768]', '[S:-32769]', '[I:40000]', '[S:1.0]', '[F:1]', '[S:]'],
  tinyint: ['[I:256]', '[I:-1]', '[S:300]', '[F:1]', '[I:1000000]'],
  bit: ['[I:2]', '[I:-1]', '[F:1]', 'true', '[I:true]', '[I:01]'],
  'nvarchar(50)': ['x'.repeat(51), 'ü'.repeat(51), `${'a'.repeat(50)} `],
  'decimal(10,2)': [
    '[F:123456789.12]',
    '[F:1.239]',
    '[F:abc]',
    '[I:5]',
    '[F:1e10]',
    '[F:NaN]',
    '[F:]',
    '[F:--1]',
    '[F:Infinity]',
  ],
  datetime: [
    '[DT:13/01/2020 00:00:00]',
    '[DT:02/30/2021 00:00:00]',
    '[DT:01/01/1752 00:00:00]',
    '[DT:not a date]',
    '[DT:01/01/2020 24:00:00]',
    '[DT:01/01/2020 00:00:00 +01:00]',
    '[I:5]',
    '2020-01-01',
    '[DT:01/01/2020]',
    '[T:12:00:00]',
    '[DT:00/01/2020 00:00:00]',
    '[DT:01/01/0000 00:00:00]',
  ],
  'varbinary(16)': [
    '[B:!!!!]',
    '[B:AAA]',
    `[B:${Buffer.alloc(17, 7).toString('base64')}]`,
    '[I:5]',
    'AAAA',
    '[B:AAAA=]',
    '[B:A-_A]',
  ],
}

/** LSNs that are not a version: not an integer, below -1, or beyond 2^53. */
export const BAD_LSNS: readonly string[] = [
  'abc',
  '1.5',
  '-2',
  '',
  '0x10',
  '1e3',
  '9007199254740993',
  '99999999999999999',
  '+11',
  '١٢',
  '11 12',
  '--1',
  '11;',
]

/** Row operations other than I, U and D. */
export const BAD_OPERATIONS: readonly string[] = ['X', 'i', 'u', 'd', 'II', '', 'Insert', 'DROP', 'İ', 'I;D']

/** The name, type and nullability of each column a bad value can go into. */
export const VALUE_COLUMNS: readonly { table: WireTableSchema; index: number; type: string; nullable: boolean }[] = [
  PERSON,
  GADGET,
].flatMap((table) =>
  table.columns.map((c, index) => ({ table, index, type: c.type, nullable: c.isNullable === 'true' })),
)

/** Types, defaults and nullabilities the schema grammar refuses. */
export const BAD_TYPES: readonly string[] = [
  'geography',
  'hierarchyid',
  'sql_variant',
  'nvarchar(50); DROP TABLE person',
  '`int`',
  'nvarchar(max',
  '',
  'int identity(1,1)',
  'nvarchar(50) --',
  "int'",
]
export const BAD_DEFAULTS: readonly string[] = [
  "(N'x')",
  'default (',
  'default ((1)',
  "default (N'x'); DROP TABLE person;--",
  "default (N'unterminated)",
  'DROP TABLE person',
  'default )(',
]
export const BAD_NULLABILITIES: readonly string[] = ['yes', 'TRUE', 'true;', '', 'null', '2', 'nil']
