import type { Row } from '../domain/changes/cell-value.ts'
import type { ChangeBatch } from '../domain/changes/change-batch.ts'
import type { TextSpan, WireColumn, WireRow, WireRows, WireTableSchema } from '../domain/protocol/messages.ts'
import { planTable, type TablePlan } from '../domain/schema/schema-plan.ts'
import { buildTableSchema, type TableSchema } from '../domain/schema/table-schema.ts'

/** A wire column; nullable and without a default unless told. */
export const column = (name: string, type: string, isNullable = 'true', defaultValue = ''): WireColumn => ({
  name,
  type,
  isNullable,
  defaultValue,
})

/** A wire table as the domain builds it (TableSchema step), or a throw saying why it would be refused. */
export function schemaOf(wire: WireTableSchema): TableSchema {
  const built = buildTableSchema(wire)
  if (!built.ok) throw new Error(JSON.stringify(built.error))
  return built.value
}

/** The plan that creates a table not there yet. */
export function createPlan(schema: TableSchema): TablePlan {
  return { kind: 'create', table: schema }
}

/** The plan TableSchema would apply to go from `current` to `desired`. */
export function plan(desired: TableSchema, current: TableSchema | undefined): TablePlan {
  return planTable(desired, current)
}

/** A batch as a MirrorDatabase receives it: rows to upsert, keys to delete, under one LSN. */
export function changes(table: TableSchema, lsn: number, upserts: Row[], deletes: Row[] = []): ChangeBatch {
  return { table, lsn, upserts, deletes, received: { inserts: upserts.length, updates: 0, deletes: deletes.length } }
}

/**
 * Rows as a request's reader gives them, each value located in one shared text (as a RowData
 * call's values lie in its body) rather than a string of its own: what decodeBatch leaves in
 * place (ChangeBatch.inPlace) for a mirror that writes in place. Like a request's, they cannot be
 * read once released (WireRows.release).
 */
export function spannedRows(rows: readonly WireRow[]): WireRows {
  let text = '<'
  const at: [number, number][][] = rows.map((row) =>
    row.values.map((value) => {
      if (value === null) return [-1, -1]
      const start = text.length
      text += `${value}<`
      return [start, start + value.length]
    }),
  )
  let released = false
  const readable = () => {
    if (released) throw new Error('rows read after their text was released')
  }
  return {
    length: rows.length,
    operation: (r) => rows[r]!.operation,
    width: (r) => rows[r]!.values.length,
    value: (r, c) => {
      readable()
      return rows[r]!.values[c]!
    },
    release: () => {
      released = true
    },
    locate(r: number, c: number, span: TextSpan): boolean {
      readable()
      const [start, end] = at[r]![c]!
      if (start < 0) return false
      span.text = text
      span.start = start
      span.end = end
      return true
    },
  }
}

/** One column of every SQL Server type of wire-profile §3, keyed by an int. */
export const EVERY_TYPE: WireTableSchema = {
  name: 'every_type',
  columns: [
    column('id', 'int', 'false'),
    column('c_tinyint', 'tinyint'),
    column('c_smallint', 'smallint'),
    column('c_bigint', 'bigint'),
    column('c_bit', 'bit'),
    column('c_real', 'real'),
    column('c_float', 'float'),
    column('c_decimal', 'decimal(18,4)'),
    column('c_numeric', 'numeric(38,0)'),
    column('c_money', 'money'),
    column('c_smallmoney', 'smallmoney'),
    column('c_datetime', 'datetime'),
    column('c_datetime2', 'datetime2(7)'),
    column('c_smalldatetime', 'smalldatetime'),
    column('c_date', 'date'),
    column('c_time', 'time(7)'),
    column('c_dto', 'datetimeoffset(7)'),
    column('c_char', 'char(3)'),
    column('c_varchar', 'varchar(20)'),
    column('c_nchar', 'nchar(3)'),
    column('c_nvarchar', 'nvarchar(50)'),
    column('c_nvarchar_max', 'nvarchar(max)'),
    column('c_text', 'text'),
    column('c_ntext', 'ntext'),
    column('c_binary', 'binary(4)'),
    column('c_varbinary', 'varbinary(max)'),
    column('c_image', 'image'),
    column('c_guid', 'uniqueidentifier'),
    column('c_xml', 'xml'),
  ],
}

/** A full row of EVERY_TYPE in canonical CellValues, as the codec produces them. */
export function everyTypeRow(id: number): Row {
  return [
    id,
    255,
    -32768,
    9007199254740993n,
    true,
    1.5,
    -1.2345678901234568e-300,
    '12345678901234.5678',
    '12345678901234567890123456789012345678',
    '-922337203685477.5808',
    '214748.3647',
    '2020-05-18 10:40:43.0030000',
    '0001-01-01 00:00:00.1234567',
    '2079-06-06 23:59:00.0000000',
    '1776-07-04',
    '23:59:59.9999999',
    '2020-05-18 10:40:43.1234567+02:00',
    'ab ',
    'plain',
    'xyz',
    'Grüße, 😀 and "quotes" \'n\' ; -- semicolons',
    'x'.repeat(10_000),
    'legacy text',
    'legacy ntext ☃',
    new Uint8Array([0, 1, 2, 255]),
    new Uint8Array([222, 173, 190, 239]),
    new Uint8Array([]),
    '6F9619FF-8B86-D011-B42D-00C04FC964FF',
    '<root a="1">text</root>',
  ]
}
