import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import type { RowDataResult, SupersededBatch } from '../../application/apply-row-data.ts'
import { describeError } from '../../application/describe-error.ts'
import type { OperationOutcome } from '../../application/operation-outcome.ts'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { OperationName } from '../../domain/protocol/messages.ts'
import type { CallEvent } from '../admin/service-metrics.ts'
import type { XmlElement } from '../xml/xml-tree.ts'
import { dispatch, failureReply, internalFailure } from './dispatch.ts'
import type { InflightBudget } from './inflight-budget.ts'
import type { MirroringUseCases } from './mirroring-use-cases.ts'
import { type BodyLimits, readEnvelope } from './read-envelope.ts'
import { type IdentifiedRequest, identifyRequest, isFault } from './soap/soap-envelope.ts'
import { type SoapFault, writeFault } from './soap/soap-fault.ts'

export interface HttpOptions {
  /** Path of the SOAP endpoint; `/` is always accepted too. */
  readonly path: string
  readonly limits: BodyLimits
  /** Request-body bytes all calls together may hold; past it calls wait briefly, then get "busy". */
  readonly budget: InflightBudget
  /** Told about every call once it is answered (the dashboard's activity and the metrics). */
  readonly observer?: (call: CallEvent) => void
}

const XML = { 'content-type': 'text/xml; charset=utf-8' }

/** Why reading stopped before the body: the envelope is no call, or its token was refused. */
type Stop = SoapFault | { readonly operation: OperationName; readonly refused: OperationOutcome<void> }

/**
 * The HTTP input adapter: one POST endpoint for the five operations, `GET /healthz`. Hono is
 * only this adapter; the use cases arrive ready-made from the composition root. A call's token
 * is checked as soon as the SOAP Header is read, before its body is parsed.
 */
export function createHttpApp(useCases: MirroringUseCases, logger: Logger, options: HttpOptions): Hono {
  const app = new Hono()
  const endpoint = async (c: { req: { raw: Request; header(name: string): string | undefined } }) => {
    const started = performance.now()
    // A tenth of a millisecond: a no-change TableSchema call takes a few.
    const ms = () => Math.round((performance.now() - started) * 10) / 10
    const soapAction = c.req.header('soapaction')
    /** The tenant the token named, for a call that then crashes. */
    let tenant: string | undefined
    const screen = async (partial: XmlElement): Promise<Stop | undefined> => {
      const identified = identifyRequest(partial, soapAction)
      if (isFault(identified)) return identified
      const screened = await useCases.screenCall.execute(identified.operation, identified.signedToken)
      tenant = screened.contextId
      return screened.result.ok ? undefined : { operation: identified.operation, refused: screened }
    }
    const lease = options.budget.lease()
    try {
      const read = await readEnvelope(c.req.raw, options.limits, screen, lease)
      const stop = read.kind === 'fault' ? read.fault : read.kind === 'stopped' ? read.verdict : undefined
      const identified = read.kind === 'envelope' ? identifyRequest(read.root, soapAction) : stop!
      if (isFault(identified)) {
        const reference = newReference()
        logger.warn(
          { outcome: 'fault', status: identified.status, reason: identified.message, reference, ms: ms() },
          'SOAP fault',
        )
        options.observer?.({
          operation: 'none',
          contextId: undefined,
          outcome: 'fault',
          error: identified.message,
          reference,
          ms: ms(),
        })
        return faultResponse(identified)
      }
      if ('refused' in identified) return refusedResponse(identified.operation, identified.refused, ms())
      return await answer(identified, ms, tenant)
    } finally {
      lease.release()
    }
  }

  const refusedResponse = (operation: OperationName, refused: OperationOutcome<void>, ms: number) => {
    const error = refused.result.ok ? undefined : refused.result.error
    const reference = newReference()
    logger.warn(
      { operation, outcome: 'failed', error: error?.kind, reference, ms, body: 'unread' },
      `${operation} failed`,
    )
    options.observer?.(callEvent(operation, refused, ms, reference))
    return new Response(failureReply(operation, error!), { status: 200, headers: XML })
  }

  const answer = async (identified: IdentifiedRequest, ms: () => number, tenant: string | undefined) => {
    try {
      const { xml, outcome } = await dispatch(identified, useCases)
      const superseded = supersededOf(identified.operation, outcome)
      const reference = outcome.result.ok ? undefined : newReference()
      const fields = {
        operation: identified.operation,
        contextId: outcome.contextId,
        tables: outcome.tables,
        rows: outcome.rows,
        ms: ms(),
        outcome: outcome.result.ok ? 'ok' : 'failed',
        ...(outcome.result.ok ? {} : { error: outcome.result.error.kind, reference }),
        ...(superseded.length > 0 ? { superseded } : {}),
      }
      if (outcome.result.ok) logger.info(fields, `${identified.operation} ok`)
      else logger.warn(fields, `${identified.operation} failed`)
      options.observer?.(callEvent(identified.operation, outcome, fields.ms, reference))
      return new Response(xml, { status: 200, headers: XML })
    } catch (error) {
      const reference = newReference()
      logger.error(
        { operation: identified.operation, reference, err: describeThrown(error), ms: ms() },
        'operation crashed',
      )
      options.observer?.({
        operation: identified.operation,
        contextId: tenant,
        outcome: 'failed',
        error: describeError({ kind: 'Internal', reference }),
        reference,
        ms: ms(),
      })
      return new Response(internalFailure(identified, reference), { status: 200, headers: XML })
    }
  }

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  for (const path of new Set([options.path, '/'])) {
    app.post(path, (c) => endpoint(c))
    app.on(['GET', 'PUT', 'DELETE', 'PATCH'], path, (c) =>
      c.text('Use POST with a SOAP 1.1 envelope.', 405, { allow: 'POST' }),
    )
  }
  app.onError((error, c) => {
    logger.error({ err: describeThrown(error) }, 'unhandled error')
    return c.body(writeFault({ code: 'Server', status: 500, message: 'internal error' }), 500, XML)
  })
  return app
}

function callEvent(operation: string, outcome: OperationOutcome<unknown>, ms: number, reference?: string): CallEvent {
  if (!outcome.result.ok) {
    return {
      operation,
      contextId: outcome.contextId,
      outcome: 'failed',
      error: describeError(outcome.result.error),
      ...(reference ? { reference } : {}),
      ms,
    }
  }
  const batches = operation === 'RowData' ? (outcome.result.value as RowDataResult).batches : []
  const rows = { inserts: 0, updates: 0, deletes: 0 }
  const tables = new Map<string, number>()
  for (const b of batches) {
    rows.inserts += b.received.inserts
    rows.updates += b.received.updates
    rows.deletes += b.received.deletes
    const n = b.received.inserts + b.received.updates + b.received.deletes
    tables.set(b.table.name, (tables.get(b.table.name) ?? 0) + n)
  }
  return {
    operation,
    contextId: outcome.contextId,
    outcome: 'ok',
    ms,
    rows,
    tables: [...tables].map(([table, n]) => ({ table, rows: n })),
    superseded: supersededOf(operation, outcome).length,
  }
}

/** A short id in the log line and the dashboard's error feed, to find one from the other. */
function newReference(): string {
  return randomUUID().slice(0, 8)
}

/** RowData batches that were older than their table's LSN and so acknowledged unwritten. */
function supersededOf(operation: string, outcome: OperationOutcome<unknown>): readonly SupersededBatch[] {
  if (operation !== 'RowData' || !outcome.result.ok) return []
  return (outcome.result.value as RowDataResult).superseded
}

function faultResponse(f: SoapFault): Response {
  const retry = f.retryAfterSeconds === undefined ? {} : { 'retry-after': String(f.retryAfterSeconds) }
  return new Response(writeFault(f), { status: f.status, headers: { ...XML, ...retry } })
}

function describeThrown(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { type: error.name, message: error.message, stack: error.stack }
    : { message: String(error) }
}
