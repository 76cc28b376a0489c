import {
  type CallOutcome,
  type EncodedRow,
  MirroringCallError,
  type MirroringClient,
  type MirroringClientFactory,
  type OutgoingBatch,
} from '../../../application/task/ports/mirroring-client.port.ts'
import type { Row } from '../../../domain/changes/cell-value.ts'
import type { RowOperation } from '../../../domain/changes/change-batch.ts'
import { wireRowOf } from '../../../domain/changes/wire-value-encode-fast.ts'
import type {
  OperationName,
  WireReplicationSummary,
  WireRow,
  WireTableSchema,
} from '../../../domain/protocol/messages.ts'
import type { TableSchema } from '../../../domain/schema/table-schema.ts'
import { soapActionOf } from '../../soap/namespaces.ts'
import {
  rowDataBatchFrame,
  rowDataFrame,
  TABLE_CLOSE,
  TABLE_OPEN,
  tableInfo,
  tableSchemaFrame,
  writeAuthenticateRequest,
  writeReplicationCompletedRequest,
  writeRowXml,
  writeWipeRequest,
} from '../../soap/request-writers.ts'
import {
  ResponseUnreadable,
  readAuthenticateResponse,
  readResponseEnvelope,
  readStatusResponse,
  readTableSchemaResponse,
} from '../../soap/response-readers.ts'
import { escapeXml } from '../../soap/xml-text.ts'
import type { XmlElement } from '../../xml/xml-tree.ts'
import { BodyBuffers } from './body-buffers.ts'
import { HttpPoster, type PostedReply, PostFailed, PostTimedOut, ReplyTooLarge } from './http-post.ts'
import { type RowSlab, RowSlabs } from './row-slabs.ts'
import { ROW_XML, rowXmlWriter, type SlabRow } from './row-xml-bytes.ts'

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

/** The connections, the body buffers and the slabs rows are encoded into, that a process's clients share. */
export interface SoapTransport {
  readonly poster: HttpPoster
  readonly bodies: BodyBuffers
  readonly slabs: RowSlabs
}

/** Like fetch's global pool: every client of the process keeps its connections alive in one place. */
const SHARED_TRANSPORT: SoapTransport = { poster: new HttpPoster(), bodies: new BodyBuffers(), slabs: new RowSlabs() }

/**
 * Most tries of one call on kept-alive connections found closed: each such try uses up one dead
 * connection, and a call of a busy cycle may find several after a middlebox forgot them all.
 */
const STALE_TRIES = 8

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
  /** Undefined when the registered text is no URL: every call then fails as a call, not the cycle. */
  readonly #url: URL | undefined
  readonly #options: SoapClientOptions
  readonly #transport: SoapTransport
  readonly #overheads = new WeakMap<WireTableSchema, number>()
  readonly #writers = new WeakMap<TableSchema, ReturnType<typeof rowXmlWriter>>()

  constructor(
    url: string,
    options: SoapClientOptions = DEFAULT_SOAP_CLIENT_OPTIONS,
    transport: SoapTransport = SHARED_TRANSPORT,
  ) {
    this.#url = URL.canParse(url) ? new URL(url) : undefined
    this.#options = options
    this.#transport = transport
  }

  async authenticate(token: string) {
    const body = await this.#call('Authenticate', writeAuthenticateRequest({ signedToken: token, clientState: '' }))
    return readAuthenticateResponse(body)
  }

  async tableSchema(token: string, tables: readonly WireTableSchema[]) {
    // writeTableSchemaRequest's bytes, written into a buffer used again: every cycle sends its
    // whole schema (735 KB for 413 tables), each table's text already written once.
    const [head, tail] = tableSchemaFrame({ signedToken: token, clientState: '' })
    const infos = tables.map(tableInfo)
    let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + infos.length * TABLE_FRAME_BYTES
    for (const info of infos) size += Buffer.byteLength(info)
    const body = this.#transport.bodies.take(size)
    try {
      let at = body.write(head, 0)
      for (const info of infos) {
        at += body.write(TABLE_OPEN, at, 'latin1')
        at += body.write(info, at)
        at += body.write(TABLE_CLOSE, at, 'latin1')
      }
      at += body.write(tail, at)
      if (at !== size) throw new RangeError(`TableSchema body is ${at} bytes, not ${size}`)
      const reply = await this.#call('TableSchema', body.subarray(0, size), 100_000 + tables.length * 4)
      return readTableSchemaResponse(reply)
    } finally {
      this.#transport.bodies.give(body)
    }
  }

  async rowData(token: string, batches: readonly OutgoingBatch[]) {
    const [head, tail] = rowDataFrame({ signedToken: token, clientState: '' })
    const frames = batches.map((batch) => rowDataBatchFrame(batch.table, String(batch.lsn)))
    let size = Buffer.byteLength(head) + Buffer.byteLength(tail)
    for (let b = 0; b < batches.length; b++) {
      size += Buffer.byteLength(frames[b]![0]) + Buffer.byteLength(frames[b]![1])
      for (const row of batches[b]!.rows) size += row.bytes
    }
    // Written straight into a buffer used again call after call: no 1 MB string, no copy of it.
    const body = this.#transport.bodies.take(size)
    try {
      let at = body.write(head, 0)
      for (let b = 0; b < batches.length; b++) {
        at += body.write(frames[b]![0], at)
        at = this.#writeRows(body, at, batches[b]!.rows)
        at += body.write(frames[b]![1], at)
      }
      at += body.write(tail, at)
      // A row's `bytes` that did not match its text would have cut the body short.
      if (at !== size) throw new RangeError(`RowData body is ${at} bytes, its rows said ${size}`)
      return readStatusResponse(await this.#call('RowData', body.subarray(0, size)), 'RowData')
    } finally {
      this.#transport.bodies.give(body)
    }
  }

  async wipe(token: string, table: string) {
    const body = await this.#call('Wipe', writeWipeRequest({ signedToken: token, clientState: '', table }))
    return readStatusResponse(body, 'Wipe')
  }

  async replicationCompleted(token: string, summary: readonly WireReplicationSummary[]): Promise<CallOutcome<void>> {
    const request = writeReplicationCompletedRequest({ signedToken: token, clientState: '', changedTables: summary })
    return readStatusResponse(await this.#call('ReplicationCompleted', request), 'ReplicationCompleted')
  }

  encodeRow(row: WireRow): XmlRow {
    const xml = rowXml(row)
    return { xml, bytes: Buffer.byteLength(xml) }
  }

  rowEncoder(table: TableSchema): (operation: RowOperation, row: Row) => EncodedRow {
    let write = this.#writers.get(table)
    if (write === undefined) {
      write = rowXmlWriter(table, this.#transport.slabs)
      this.#writers.set(table, write)
    }
    const writer = write
    // A row that could outgrow a slab (a long text) goes as text.
    return (operation, row) => writer(operation, row) ?? this.encodeRow(wireRowOf(table, operation, row))
  }

  /**
   * The rows' XML into the body from `at`: a row encoded as text written as UTF-8, rows in slabs
   * copied, those that lie one after another in a slab in one piece, and their slab told.
   */
  #writeRows(body: Buffer, at: number, rows: readonly EncodedRow[]): number {
    const slabs = this.#transport.slabs
    let run: RowSlab | undefined
    let from = 0
    let to = 0
    let count = 0
    const flush = () => {
      if (run === undefined) return
      at += run.buffer.copy(body, at, from, to)
      slabs.release(run, count)
      run = undefined
    }
    for (const row of rows) {
      if ('xml' in row) {
        flush()
        at += body.write((row as XmlRow).xml, at)
        continue
      }
      const { slab, start, bytes, generation } = row as SlabRow
      if (generation !== slab.generation) throw new Error('a row was sent again after its slab was used again')
      if (slab === run && start === to) {
        to += bytes
        count++
        continue
      }
      flush()
      run = slab
      from = start
      to = start + bytes
      count = 1
    }
    flush()
    return at
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

  /**
   * One operation's exchange, tried again while it is answered busy. Resolves once the request is
   * done with `request`'s bytes, so that a body buffer can be used again when it returns.
   */
  async #call(operation: OperationName, request: string | Uint8Array, maxElements?: number): Promise<XmlElement> {
    const body = typeof request === 'string' ? Buffer.from(request) : request
    const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapActionOf(operation)}"` }
    const giveUp = Date.now() + this.#options.busyRetryMs
    const pending: Promise<void>[] = []
    let staleTries = 0
    try {
      if (this.#url === undefined) throw new PostFailed('the mirroring URL is not a URL')
      for (;;) {
        const exchange = this.#transport.poster.post(this.#url, headers, body, Date.now() + this.#options.timeoutMs)
        pending.push(exchange.sent)
        let reply: PostedReply
        try {
          reply = await exchange.reply
        } catch (error) {
          // Sent on a kept-alive connection the service had just closed, it was not read: the same
          // bytes again, on another connection. Had it been read after all, its token's nonce is
          // spent and the service refuses the copy, so nothing is applied twice.
          if (error instanceof PostFailed && error.staleConnection && staleTries++ < STALE_TRIES) continue
          throw error
        }
        const pause = busyPause(reply)
        if (pause !== undefined && Date.now() + pause <= giveUp) {
          this.busyAnswers++
          reply.discard()
          await new Promise((resolve) => setTimeout(resolve, pause))
          continue
        }
        if (reply.status >= 300 && reply.status < 400) {
          reply.discard()
          throw new PostFailed(`HTTP ${reply.status} redirect, not followed`)
        }
        return readReply(operation, reply, await reply.text(this.#options.maxResponseBytes), maxElements)
      }
    } catch (error) {
      // Only the exchange's own failures are "cannot reach"; a reply read as a Fault is already a
      // MirroringCallError, and anything else is a fault of this code, not of the partner.
      const transport = error instanceof PostFailed || error instanceof PostTimedOut || error instanceof ReplyTooLarge
      if (!transport) throw error
      throw new MirroringCallError(`${operation}: ${transportProblem(error, this.#options.timeoutMs)}`, {
        cause: error,
      })
    } finally {
      await Promise.all(pending)
    }
  }
}

function readReply(operation: OperationName, reply: PostedReply, text: string, maxElements?: number): XmlElement {
  try {
    const envelope = readResponseEnvelope(text, operation, maxElements)
    if ('fault' in envelope) {
      throw new MirroringCallError(`${operation}: SOAP Fault (HTTP ${reply.status}): ${envelope.fault.slice(0, 300)}`)
    }
    return envelope.body
  } catch (error) {
    if (error instanceof ResponseUnreadable) {
      const ok = reply.status >= 200 && reply.status < 300
      const status = ok ? error.message : `HTTP ${reply.status} ${reply.statusText}`.trim()
      throw new MirroringCallError(`${operation}: ${status}`, { cause: error })
    }
    throw error
  }
}

/** The bytes around each table of a TableSchema request (ASCII). */
const TABLE_FRAME_BYTES = TABLE_OPEN.length + TABLE_CLOSE.length

/**
 * `writeRowXml`, byte for byte, in one pass of appends: a full load writes millions of rows
 * (the tests hold the two to the same output).
 */
function rowXml(row: WireRow): string {
  let xml = ROW_XML.open
  const { values, plain } = row
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | null
    if (value === null) xml += ROW_XML.nil
    else if (value === '') xml += ROW_XML.empty
    // An integer's or datetime's wire form has nothing to escape: its test is skipped.
    else xml += `<b:string>${plain?.[i] === true ? value : escapeXml(value)}</b:string>`
  }
  const close = ROW_XML.close[row.operation]
  return close === undefined ? writeRowXml(row) : xml + close
}

/** A 503 with Retry-After in seconds: how long to wait before trying again, with a little jitter. */
function busyPause(reply: PostedReply): number | undefined {
  if (reply.status !== 503) return undefined
  const header = reply.header('retry-after')?.trim()
  const seconds = header ? Number(header) : Number.NaN
  if (!Number.isFinite(seconds) || seconds < 0) return undefined
  // Jitter spreads the retries of many tasks that were turned away at the same moment.
  return Math.min(MAX_BUSY_PAUSE_MS, seconds * 1000) * (1 + Math.random() / 2)
}

/** One client per mirroring URL; connections and body buffers are the process's shared ones. */
export class SoapMirroringClients implements MirroringClientFactory {
  readonly #options: SoapClientOptions

  constructor(options: SoapClientOptions = DEFAULT_SOAP_CLIENT_OPTIONS) {
    this.#options = options
  }

  forUrl(url: string): MirroringClient {
    return new SoapMirroringClient(url, this.#options)
  }
}

function transportProblem(error: PostFailed | PostTimedOut | ReplyTooLarge, timeoutMs: number): string {
  if (error instanceof PostTimedOut) return `no reply within ${Math.round(timeoutMs / 1000)} s`
  if (error instanceof ReplyTooLarge) return error.message
  return `cannot reach the mirroring client service (${error.code})`
}
