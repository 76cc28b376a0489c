import type {
  AuthenticateRequest,
  ReplicationCompletedRequest,
  RowDataRequest,
  TableSchemaRequest,
  WipeRequest,
  WireRow,
  WireRowBatch,
  WireTableSchema,
} from '../../domain/protocol/messages.ts'
import { clip } from '../../domain/shared/clip.ts'
import { err, ok, type Result } from '../../domain/shared/result.ts'
import { child, childrenNamed, type XmlElement } from '../xml/xml-tree.ts'
import { NS } from './namespaces.ts'
import { CapturedRows } from './row-data-capture.ts'
import type { IdentifiedRequest } from './soap-envelope.ts'
import { CapturedTables } from './table-schema-capture.ts'

export type ReadError =
  | { readonly kind: 'MissingElement'; readonly element: string }
  | { readonly kind: 'UnexpectedElement'; readonly container: string; readonly item: string; readonly element: string }

/**
 * SOAP body → the operation's wire request (protocol.md §3.1). Elements are matched by
 * namespace and local name, as WCF does; unknown elements are ignored. Scalars stay text for
 * the domain to judge; a missing required container is an error, never an empty list, so that
 * a mangled TableSchema cannot drop the mirror's tables.
 */
export function readAuthenticate(request: IdentifiedRequest): Result<AuthenticateRequest, ReadError> {
  return ok(base(request))
}

export function readTableSchema(request: IdentifiedRequest): Result<TableSchemaRequest, ReadError> {
  const tables = child(request.body, NS.mirroring, 'Tables')
  if (!tables) return err({ kind: 'MissingElement', element: 'Tables' })
  if (tables.captured instanceof CapturedTables) {
    const { stranger, tables: read } = tables.captured
    return stranger ? err({ kind: 'UnexpectedElement', ...stranger }) : ok({ ...base(request), tables: read })
  }
  const stranger = strangerIn(tables, 'TableSchemaInfo') ?? strangerInEach(tables, 'Columns', 'ColumnInfo')
  if (stranger) return err(stranger)
  return ok({ ...base(request), tables: childrenNamed(tables, NS.contract, 'TableSchemaInfo').map(readTable) })
}

export function readRowData(request: IdentifiedRequest): Result<RowDataRequest, ReadError> {
  const batches = child(request.body, NS.mirroring, 'DataBatches')
  if (!batches) return err({ kind: 'MissingElement', element: 'DataBatches' })
  const stranger = strangerIn(batches, 'RowDataBatch') ?? strangerInEach(batches, 'Data', 'RowData')
  if (stranger) return err(stranger)
  return ok({ ...base(request), batches: childrenNamed(batches, NS.contract, 'RowDataBatch').map(readBatch) })
}

export function readWipe(request: IdentifiedRequest): Result<WipeRequest, ReadError> {
  const table = child(request.body, NS.mirroring, 'TableName')
  if (!table) return err({ kind: 'MissingElement', element: 'TableName' })
  return ok({ ...base(request), table: table.text })
}

export function readReplicationCompleted(request: IdentifiedRequest): Result<ReplicationCompletedRequest, ReadError> {
  const changed = child(request.body, NS.mirroring, 'ChangedTables')
  const summaries = changed ? childrenNamed(changed, NS.contract, 'ReplicationSummary') : []
  return ok({
    ...base(request),
    changedTables: summaries.map((s) => ({
      table: text(s, 'TableName'),
      inserts: text(s, 'Inserts'),
      updates: text(s, 'Updates'),
      deletes: text(s, 'Deletes'),
    })),
  })
}

/**
 * An element of a list container that is not one of its items (another name, or another
 * namespace): the request is refused rather than read as a shorter list, so that a mangled call
 * cannot pass for one with fewer tables, columns, batches or rows — fewer tables would drop the
 * mirror's others, fewer columns recreate a table, an empty batch would advance its LSN.
 */
function strangerIn(container: XmlElement, item: string): ReadError | undefined {
  const stranger = container.children.find((c) => c.ns !== NS.contract || c.name !== item)
  if (!stranger) return undefined
  return {
    kind: 'UnexpectedElement',
    container: container.name,
    item,
    element: clip(`{${stranger.ns}}${stranger.name}`),
  }
}

/** `strangerIn` for the `container` child of each item of `list`. */
function strangerInEach(list: XmlElement, container: string, item: string): ReadError | undefined {
  for (const entry of list.children) {
    const inner = child(entry, NS.contract, container)
    const stranger = inner && (capturedStranger(inner, item) ?? strangerIn(inner, item))
    if (stranger) return stranger
  }
  return undefined
}

/** The stranger a captured container recorded as it was read (its children are not kept). */
function capturedStranger(container: XmlElement, item: string): ReadError | undefined {
  if (!(container.captured instanceof CapturedRows) || container.captured.stranger === undefined) return undefined
  return { kind: 'UnexpectedElement', container: container.name, item, element: container.captured.stranger }
}

function base(request: IdentifiedRequest) {
  return {
    signedToken: request.signedToken,
    clientState: child(request.body, NS.mirroring, 'ClientState')?.text ?? '',
  }
}

function readTable(info: XmlElement): WireTableSchema {
  const columns = child(info, NS.contract, 'Columns')
  return {
    name: text(info, 'TableName'),
    columns: (columns ? childrenNamed(columns, NS.contract, 'ColumnInfo') : []).map((c) => ({
      name: text(c, 'Name'),
      type: text(c, 'Type'),
      isNullable: text(c, 'IsNullable'),
      defaultValue: text(c, 'DefaultValue'),
    })),
  }
}

function readBatch(batch: XmlElement): WireRowBatch {
  const data = child(batch, NS.contract, 'Data')
  const info = child(batch, NS.contract, 'TableInfo')
  return {
    table: info ? readTable(info) : { name: '', columns: [] },
    lsn: text(batch, 'LSN'),
    rows: !data
      ? []
      : data.captured instanceof CapturedRows
        ? data.captured
        : childrenNamed(data, NS.contract, 'RowData').map(readRow),
  }
}

function readRow(row: XmlElement): WireRow {
  const values = child(row, NS.contract, 'ColumnValues')
  return {
    operation: text(row, 'Operation').trim(),
    values: (values ? childrenNamed(values, NS.arrays, 'string') : []).map((v) => (v.nil ? null : v.text)),
  }
}

/** A data-contract member's text; nil and absent both read as the empty string. */
function text(parent: XmlElement, name: string): string {
  const found = child(parent, NS.contract, name)
  return found && !found.nil ? found.text : ''
}
