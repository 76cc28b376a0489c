import {
  isDeeplyFrozen,
  type OperationName,
  type ReplicationCompletedRequest,
  type RowDataRequest,
  type TableSchemaRequest,
  type WipeRequest,
  type WireRequestBase,
  type WireRow,
  type WireTableSchema,
} from '../../domain/protocol/messages.ts'
import { listRows } from '../../domain/protocol/wire-rows.ts'
import { NS } from './namespaces.ts'
import { element, escapeXml } from './xml-text.ts'

/**
 * Requests as SuperOffice's Mirroring Task sends them (protocol.md §3): compact XML, the
 * SignedToken header with mustUnderstand, data-contract members in alphabetical order. The
 * project's own Mirroring Task and the tests write requests with these.
 */
function envelope(operation: OperationName, request: WireRequestBase, inner: string): string {
  const [head, tail] = envelopeFrame(operation, request)
  return head + inner + tail
}

function envelopeFrame(operation: OperationName, request: WireRequestBase): readonly [string, string] {
  const token = request.signedToken ?? ''
  return [
    `<s:Envelope xmlns:s="${NS.soap}"><s:Header><h:SignedToken s:mustUnderstand="1" xmlns:h="${NS.mirroring}">` +
      `${escapeXml(token)}</h:SignedToken></s:Header><s:Body><${operation}Request xmlns="${NS.mirroring}">` +
      element('ClientState', request.clientState),
    `</${operation}Request></s:Body></s:Envelope>`,
  ]
}

const CONTAINER = `xmlns:a="${NS.contract}" xmlns:i="${NS.xsi}"`

export function writeAuthenticateRequest(request: WireRequestBase): string {
  return envelope('Authenticate', request, '')
}

export function writeTableSchemaRequest(request: TableSchemaRequest): string {
  const [head, tail] = tableSchemaFrame(request)
  return head + request.tables.map((t) => TABLE_OPEN + tableInfo(t) + TABLE_CLOSE).join('') + tail
}

/** Around each table of a TableSchema request: `TABLE_OPEN + tableInfo(table) + TABLE_CLOSE`. */
export const TABLE_OPEN = '<a:TableSchemaInfo>'
export const TABLE_CLOSE = '</a:TableSchemaInfo>'

/** The TableSchema envelope around its tables: text before and after them. */
export function tableSchemaFrame(request: WireRequestBase): readonly [string, string] {
  const [head, tail] = envelopeFrame('TableSchema', request)
  return [`${head}<Tables ${CONTAINER}>`, `</Tables>${tail}`]
}

export function writeRowDataRequest(request: RowDataRequest): string {
  const [head, tail] = rowDataFrame(request)
  const batches = request.batches.map((batch) => {
    const [open, close] = rowDataBatchFrame(batch.table, batch.lsn)
    return open + listRows(batch.rows).map(writeRowXml).join('') + close
  })
  return head + batches.join('') + tail
}

/** One row of a RowDataBatch; the task encodes each row once and sizes batches by its bytes. */
export function writeRowXml(row: WireRow): string {
  const values = row.values.map((v) => (v === null ? '<b:string i:nil="true"/>' : element('b:string', v))).join('')
  return `<a:RowData><a:ColumnValues xmlns:b="${NS.arrays}">${values}</a:ColumnValues>${element('a:Operation', row.operation)}</a:RowData>`
}

/** The RowData envelope around its batches: text before and after them. */
export function rowDataFrame(request: WireRequestBase): readonly [string, string] {
  const [head, tail] = envelopeFrame('RowData', request)
  return [`${head}<DataBatches ${CONTAINER}>`, `</DataBatches>${tail}`]
}

/** One RowDataBatch around its rows: text before and after them. */
export function rowDataBatchFrame(table: WireTableSchema, lsn: string): readonly [string, string] {
  return [
    '<a:RowDataBatch><a:Data>',
    `</a:Data>${element('a:LSN', lsn)}<a:TableInfo>${tableInfo(table)}</a:TableInfo></a:RowDataBatch>`,
  ]
}

export function writeWipeRequest(request: WipeRequest): string {
  return envelope('Wipe', request, element('TableName', request.table))
}

export function writeReplicationCompletedRequest(request: ReplicationCompletedRequest): string {
  const items = request.changedTables
    .map(
      (s) =>
        `<a:ReplicationSummary>${element('a:Deletes', s.deletes)}${element('a:Inserts', s.inserts)}${element('a:TableName', s.table)}${element('a:Updates', s.updates)}</a:ReplicationSummary>`,
    )
    .join('')
  return envelope('ReplicationCompleted', request, `<ChangedTables ${CONTAINER}>${items}</ChangedTables>`)
}

/** A deeply frozen table's TableInfo, written once: SQLite sources hand every cycle the same 400 tables. */
const writtenTableInfo = new WeakMap<WireTableSchema, string>()

/** A table's TableInfo content (its Columns and TableName), written once for a frozen table. */
export function tableInfo(table: WireTableSchema): string {
  const written = writtenTableInfo.get(table)
  if (written !== undefined) return written
  const xml = writeTableInfo(table)
  if (isDeeplyFrozen(table)) writtenTableInfo.set(table, xml)
  return xml
}

function writeTableInfo(table: WireTableSchema): string {
  const columns = table.columns
    .map(
      (c) =>
        `<a:ColumnInfo>${element('a:DefaultValue', c.defaultValue)}${element('a:IsNullable', c.isNullable)}${element('a:Name', c.name)}${element('a:Type', c.type)}</a:ColumnInfo>`,
    )
    .join('')
  return `<a:Columns>${columns}</a:Columns>${element('a:TableName', table.name)}`
}
