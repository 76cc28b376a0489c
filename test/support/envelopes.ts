import { soapActionOf } from '../../src/adapters/http/soap/namespaces.ts'
import {
  writeAuthenticateRequest,
  writeReplicationCompletedRequest,
  writeRowDataRequest,
  writeTableSchemaRequest,
  writeWipeRequest,
} from '../../src/adapters/http/soap/request-writers.ts'
import type {
  WireReplicationSummary,
  WireRow,
  WireRowBatch,
  WireTableSchema,
} from '../../src/domain/protocol/messages.ts'
import { mintToken, type TokenOptions } from './tokens.ts'

export type Call = { readonly action: string; readonly body: string }

export async function authenticateCall(token?: TokenOptions | string): Promise<Call> {
  return { action: soapActionOf('Authenticate'), body: writeAuthenticateRequest(await base(token)) }
}

export async function tableSchemaCall(
  tables: readonly WireTableSchema[],
  token?: TokenOptions | string,
): Promise<Call> {
  return { action: soapActionOf('TableSchema'), body: writeTableSchemaRequest({ ...(await base(token)), tables }) }
}

export async function rowDataCall(batches: readonly WireRowBatch[], token?: TokenOptions | string): Promise<Call> {
  return { action: soapActionOf('RowData'), body: writeRowDataRequest({ ...(await base(token)), batches }) }
}

export async function wipeCall(table: string, token?: TokenOptions | string): Promise<Call> {
  return { action: soapActionOf('Wipe'), body: writeWipeRequest({ ...(await base(token)), table }) }
}

export async function completedCall(
  changedTables: readonly WireReplicationSummary[],
  token?: TokenOptions | string,
): Promise<Call> {
  return {
    action: soapActionOf('ReplicationCompleted'),
    body: writeReplicationCompletedRequest({ ...(await base(token)), changedTables }),
  }
}

async function base(token: TokenOptions | string | undefined) {
  return { signedToken: typeof token === 'string' ? token : await mintToken(token), clientState: '' }
}

/** A batch of rows for a table, all with one operation. */
export function batch(
  table: WireTableSchema,
  lsn: number,
  rows: readonly (readonly (string | null)[])[],
  op = 'I',
): WireRowBatch {
  return { table, lsn: String(lsn), rows: rows.map((values): WireRow => ({ operation: op, values })) }
}

/** A compact test table: `id int`, `name nvarchar(50)`, `amount decimal(10,2)` nullable. */
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
