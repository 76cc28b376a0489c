import {
  type CallOutcome,
  type EncodedRow,
  MirroringCallError,
  type MirroringClient,
  type MirroringClientFactory,
  type OutgoingBatch,
} from '../../../application/task/ports/mirroring-client.port.ts'
import type {
  OperationName,
  WireReplicationSummary,
  WireRow,
  WireTableSchema,
} from '../../../domain/protocol/messages.ts'
import { NS, soapActionOf } from '../../soap/namespaces.ts'
import {
  rowDataBatchFrame,
  rowDataFrame,
  writeAuthenticateRequest,
  writeReplicationCompletedRequest,
  writeRowXml,
  writeTableSchemaRequest,
  writeWipeRequest,
} from '../../soap/request-writers.ts'
import {
  ResponseUnreadable,
  readAuthenticateResponse,
  readResponseEnvelope,
  readStatusResponse,
  readTableSchemaResponse,
} from '../../soap/response-readers.ts'
import { element, escapeXml } from '../../soap/xml-text.ts'
import type { XmlElement } from '../../xml/xml-tree.ts'
import { readBounded } from './read-bounded.ts'

/** A row as RowData XML, encoded once: the batcher sizes by `bytes`, the request reuses `xml`. */
interface XmlRow extends EncodedRow {
  readonly xml: string
}

export interface SoapClientOptions {
  /** How long one call may take, the reply included. */
  readonly timeoutMs: number
  /** Largest reply read; a 413-table TableSchema reply is about 60 KB. */
  readonly maxResponseBytes: number
  /**
   * How long a call answered "busy" (HTTP 503 with Retry-After) is tried again, with the same
   * token: the service answers busy before it reads the call, so the nonce is still unused.
   */
  readonly busyRetryMs: number
}

export const DEFAULT_SOAP_CLIENT_OPTIONS: SoapClientOptions = {
  timeoutMs: 600_000,
  maxResponseBytes: 16 * 1024 * 1024,
  busyRetryMs: 120_000,
}

/** Longest pause between two tries of a busy call, whatever Retry-After says. */
const MAX_BUSY_PAUSE_MS = 10_000

/**
 * Room kept for the SignedToken when sizing a RowData request before the token exists: the
 * project's tokens are about 800 bytes (RS256 over SuperOffice's claims, kid and x5t).
 */
const TOKEN_ALLOWANCE = 1536
const LONGEST_LSN = '-9223372036854775808'

/**
 * The partner's mirroring client service over SOAP 1.1 and HTTP, as SuperOffice's Mirroring
 * Task calls it (protocol.md §3): requests written exactly as the captured ones, replies read
 * with the hardened parser. `IsSuccessful=false` is an answer; a Fault, an HTTP error without a
 * readable reply, a timeout or a refused connection is a MirroringCallError.
 */
export class SoapMirroringClient implements MirroringClient {
  readonly #url: string
  readonly #options: SoapClientOptions
  readonly #overheads = new WeakMap<WireTableSchema, number>()

  constructor(url: string, options: SoapClientOptions = DEFAULT_SOAP_CLIENT_OPTIONS) {
    this.#url = url
    this.#options = options
  }

  async authenticate(token: string) {
    const body = await this.#call('Authenticate', writeAuthenticateRequest({ signedToken: token, clientState: '' }))
    return readAuthenticateResponse(body)
  }

  async tableSchema(token: string, tables: readonly WireTableSchema[]) {
    const request = writeTableSchemaRequest({ signedToken: token, clientState: '', tables })
    return readTableSchemaResponse(await this.#call('TableSchema', request, 100_000 + tables.length * 4))
  }

  async rowData(token: string, batches: readonly OutgoingBatch[]) {
    const [head, tail] = rowDataFrame({ signedToken: token, clientState: '' })
    const parts: string[] = [head]
    for (const batch of batches) {
      const [open, close] = rowDataBatchFrame(batch.table, String(batch.lsn))
      parts.push(open)
      for (const row of batch.rows) parts.push((row as XmlRow).xml)
      parts.push(close)
    }
    parts.push(tail)
    return readStatusResponse(await this.#call('RowData', parts.join('')), 'RowData')
  }

  async wipe(token: string, table: string) {
    const body = await this.#call('Wipe', writeWipeRequest({ signedToken: token, clientState: '', table }))
    return readStatusResponse(body, 'Wipe')
  }

  async replicationCompleted(token: string, summary: readonly WireReplicationSummary[]): Promise<CallOutcome<void>> {
    const request = writeReplicationCompletedRequest({ signedToken: token, clientState: '', changedTables: summary })
    return readStatusResponse(await this.#call('ReplicationCompleted', request), 'ReplicationCompleted')
  }

  async #post(operation: OperationName, request: string): Promise<Response> {
    try {
      return await fetch(this.#url, {
        method: 'POST',
        // A redirect is an error, not followed: following one makes fetch keep a copy of every
        // body (a tee of its stream) in case it must be sent again, a second megabyte per call.
        redirect: 'error',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapActionOf(operation)}"` },
        body: request,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      })
    } catch (error) {
      throw new MirroringCallError(`${operation}: ${transportProblem(error, this.#options.timeoutMs)}`, {
        cause: error,
      })
    }
  }

  encodeRow(row: WireRow): XmlRow {
    const xml = rowXml(row)
    return { xml, bytes: Buffer.byteLength(xml) }
  }

  overhead(table: WireTableSchema): number {
    let bytes = this.#overheads.get(table)
    if (bytes === undefined) {
      const [head, tail] = rowDataFrame({ signedToken: '', clientState: '' })
      const [open, close] = rowDataBatchFrame(table, LONGEST_LSN)
      bytes = Buffer.byteLength(head + tail + open + close) + TOKEN_ALLOWANCE
      this.#overheads.set(table, bytes)
    }
    return bytes
  }

  /** Calls answered busy since this client was made (the bench and tests read it). */
  busyAnswers = 0

  async #call(operation: OperationName, request: string, maxElements?: number): Promise<XmlElement> {
    const giveUp = Date.now() + this.#options.busyRetryMs
    let response = await this.#post(operation, request)
    for (;;) {
      const pause = busyPause(response)
      if (pause === undefined || Date.now() + pause > giveUp) break
      this.busyAnswers++
      await response.body?.cancel()
      await new Promise((resolve) => setTimeout(resolve, pause))
      response = await this.#post(operation, request)
    }
    let text: string
    try {
      text = await readBounded(response, this.#options.maxResponseBytes)
    } catch (error) {
      throw new MirroringCallError(`${operation}: ${transportProblem(error, this.#options.timeoutMs)}`, {
        cause: error,
      })
    }
    try {
      const reply = readResponseEnvelope(text, operation, maxElements)
      if ('fault' in reply) {
        throw new MirroringCallError(`${operation}: SOAP Fault (HTTP ${response.status}): ${reply.fault.slice(0, 300)}`)
      }
      return reply.body
    } catch (error) {
      if (error instanceof ResponseUnreadable) {
        const status = response.ok ? error.message : `HTTP ${response.status} ${response.statusText}`.trim()
        throw new MirroringCallError(`${operation}: ${status}`, { cause: error })
      }
      throw error
    }
  }
}

const ROW_OPEN = `<a:RowData><a:ColumnValues xmlns:b="${NS.arrays}">`
const ROW_CLOSE: Readonly<Record<string, string>> = {
  I: `</a:ColumnValues>${element('a:Operation', 'I')}</a:RowData>`,
  U: `</a:ColumnValues>${element('a:Operation', 'U')}</a:RowData>`,
  D: `</a:ColumnValues>${element('a:Operation', 'D')}</a:RowData>`,
}

/**
 * `writeRowXml`, byte for byte, in one pass of appends: a full load writes millions of rows
 * (the tests hold the two to the same output).
 */
function rowXml(row: WireRow): string {
  let xml = ROW_OPEN
  const values = row.values
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | null
    if (value === null) xml += '<b:string i:nil="true"/>'
    else if (value === '') xml += '<b:string/>'
    else xml += `<b:string>${escapeXml(value)}</b:string>`
  }
  const close = ROW_CLOSE[row.operation]
  return close === undefined ? writeRowXml(row) : xml + close
}

/** A 503 with Retry-After in seconds: how long to wait before trying again, with a little jitter. */
function busyPause(response: Response): number | undefined {
  if (response.status !== 503) return undefined
  const header = response.headers.get('retry-after')?.trim()
  const seconds = header ? Number(header) : Number.NaN
  if (!Number.isFinite(seconds) || seconds < 0) return undefined
  // Jitter spreads the retries of many tasks that were turned away at the same moment.
  return Math.min(MAX_BUSY_PAUSE_MS, seconds * 1000) * (1 + Math.random() / 2)
}

/** One client per mirroring URL; connections are kept alive by fetch's shared pool. */
export class SoapMirroringClients implements MirroringClientFactory {
  readonly #options: SoapClientOptions

  constructor(options: SoapClientOptions = DEFAULT_SOAP_CLIENT_OPTIONS) {
    this.#options = options
  }

  forUrl(url: string): MirroringClient {
    return new SoapMirroringClient(url, this.#options)
  }
}

function transportProblem(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no reply within ${Math.round(timeoutMs / 1000)} s`
  if (e?.name === 'ReplyTooLarge') return e.message ?? 'reply too large'
  const code = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'unknown error'
  return `cannot reach the mirroring client service (${String(code).split('\n')[0]})`
}
