import { soapActionOf } from '../adapters/soap/namespaces.ts'
import {
  writeAuthenticateRequest,
  writeReplicationCompletedRequest,
  writeRowDataRequest,
  writeTableSchemaRequest,
  writeWipeRequest,
} from '../adapters/soap/request-writers.ts'
import type { WireReplicationSummary, WireRow, WireRowBatch, WireTableSchema } from '../domain/protocol/messages.ts'

/** A SOAP request as the Mirroring Task posts it: the SOAPAction header's value and the envelope. */
export interface SoapCall {
  readonly action: string
  readonly body: string
}

const base = (signedToken: string) => ({ signedToken, clientState: '' })

export function authenticateCall(signedToken: string): SoapCall {
  return { action: soapActionOf('Authenticate'), body: writeAuthenticateRequest(base(signedToken)) }
}

export function tableSchemaCall(signedToken: string, tables: readonly WireTableSchema[]): SoapCall {
  return { action: soapActionOf('TableSchema'), body: writeTableSchemaRequest({ ...base(signedToken), tables }) }
}

export function rowDataCall(signedToken: string, batches: readonly WireRowBatch[]): SoapCall {
  return { action: soapActionOf('RowData'), body: writeRowDataRequest({ ...base(signedToken), batches }) }
}

export function wipeCall(signedToken: string, table: string): SoapCall {
  return { action: soapActionOf('Wipe'), body: writeWipeRequest({ ...base(signedToken), table }) }
}

export function replicationCompletedCall(
  signedToken: string,
  changedTables: readonly WireReplicationSummary[],
): SoapCall {
  return {
    action: soapActionOf('ReplicationCompleted'),
    body: writeReplicationCompletedRequest({ ...base(signedToken), changedTables }),
  }
}

/** A batch of rows for a table, all with one operation (`I`, `U` or `D`). */
export function batch(
  table: WireTableSchema,
  lsn: number,
  rows: readonly (readonly (string | null)[])[],
  op = 'I',
): WireRowBatch {
  return { table, lsn: String(lsn), rows: rows.map((values): WireRow => ({ operation: op, values })) }
}

/** A compact table: `person_id int`, `name nvarchar(50)`, `amount decimal(10,2)` nullable. */
export function peopleTable(extra: WireTableSchema['columns'] = []): WireTableSchema {
  return {
    name: 'person',
    columns: [
      { name: 'person_id', type: 'int', isNullable: 'false', defaultValue: '' },
      { name: 'name', type: 'nvarchar(50)', isNullable: 'false', defaultValue: "default (N'')" },
      { name: 'amount', type: 'decimal(10,2)', isNullable: 'true', defaultValue: '' },
      ...extra,
    ],
  }
}
