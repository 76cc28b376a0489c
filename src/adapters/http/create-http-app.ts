import { randomUUID } from 'node:crypto'
import type { HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import type { Logger } from '../../application/ports/logger.port.ts'
import type { ContextId } from '../../domain/handshake/context-id.ts'
import { rowsScanned } from '../soap/row-data-capture.ts'
import { type IdentifiedRequest, identifyRequest, isFault } from '../soap/soap-envelope.ts'
import { type SoapFault, writeFault } from '../soap/soap-fault.ts'
import type { XmlElement } from '../xml/xml-tree.ts'
import { type CallEvent, type FailedCall, failedCall, type RowDataPhases, withBodyFacts } from './call-summary.ts'
import { dispatch, failureReply, internalFailure } from './dispatch.ts'
import type { InflightBudget } from './inflight-budget.ts'
import type { MirroringUseCases } from './mirroring-use-cases.ts'
import { type BodyLimits, readEnvelope } from './read-envelope.ts'
import { nodeBody } from './request-body.ts'

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
type Stop = SoapFault | FailedCall

/**
 * The HTTP input adapter: one POST endpoint for the five operations, `GET /healthz`. Hono is
 * only this adapter; the use cases arrive ready-made from the composition root. A call's token
 * is checked as soon as the SOAP Header is read, before its body is parsed.
 */
export function createHttpApp(useCases: MirroringUseCases, logger: Logger, options: HttpOptions): Hono {
  const app = new Hono()
  const endpoint = async (c: { req: { raw: Request; header(name: string): string | undefined }; env: unknown }) => {
    const started = performance.now()
    // A tenth of a millisecond: a no-change TableSchema call takes a few.
    const ms = () => Math.round((performance.now() - started) * 10) / 10
    const soapAction = c.req.header('soapaction')
    /** The tenant the token named, for a call that then crashes. */
    let tenant: ContextId | undefined
    const screen = async (partial: XmlElement): Promise<Stop | undefined> => {
      const identified = identifyRequest(partial, soapAction)
      if (isFault(identified)) return identified
      const screened = await useCases.screenCall.execute(identified.operation, identified.signedToken)
      tenant = screened.contextId
      return screened.result.ok ? undefined : failedCall(identified.operation, screened.result.error, tenant)
    }
    const lease = options.budget.lease()
    try {
      // Served by @hono/node-server, the body is read from Node's request; elsewhere (app.request
      // in tests, another server) from the Request's stream.
      const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming
      const read = await readEnvelope(c.req.raw, options.limits, screen, lease, incoming && nodeBody(incoming))
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
          message: identified.message,
          reference,
          ms: ms(),
        })
        return faultResponse(identified)
      }
      if ('outcome' in identified) return refusedResponse(identified, ms())
      // Only a RowData call's tree is walked for the rows its scanner read.
      const body =
        read.kind !== 'envelope'
          ? { parseMs: 0, rowsScanned: 0 }
          : { parseMs: read.parseMs, rowsScanned: identified.operation === 'RowData' ? rowsScanned(read.root) : 0 }
      return await answer(identified, ms, tenant, body)
    } finally {
      lease.release()
    }
  }

  const tenths = (phases: RowDataPhases) =>
    Object.fromEntries(Object.entries(phases).map(([phase, value]) => [phase, Math.round(value * 10) / 10]))

  const refusedResponse = (refused: FailedCall, ms: number) => {
    const { operation } = refused
    const reference = newReference()
    logger.warn(
      { operation, outcome: 'failed', error: refused.error.kind, reference, ms, body: 'unread' },
      `${operation} failed`,
    )
    options.observer?.({ ...refused, reference, ms })
    return new Response(failureReply(operation, refused.error), { status: 200, headers: XML })
  }

  const answer = async (
    identified: IdentifiedRequest,
    ms: () => number,
    tenant: ContextId | undefined,
    body: { readonly parseMs: number; readonly rowsScanned: number },
  ) => {
    try {
      const dispatched = await dispatch(identified, useCases)
      const { xml } = dispatched
      const summary = withBodyFacts(dispatched.summary, body)
      const reference = summary.outcome === 'ok' ? undefined : newReference()
      const written = summary.operation === 'RowData' && summary.outcome === 'ok' ? summary.written : undefined
      const superseded = written?.superseded ?? []
      const fields = {
        operation: summary.operation,
        contextId: summary.contextId,
        tables: summary.tables,
        rows: summary.rows,
        ms: ms(),
        outcome: summary.outcome,
        ...(summary.outcome === 'ok' ? {} : { error: summary.error.kind, reference }),
        ...(superseded.length > 0 ? { superseded } : {}),
        ...(written?.phases ? { phases: tenths(written.phases) } : {}),
        ...(written?.rowsScanned ? { rowsScanned: written.rowsScanned } : {}),
      }
      if (summary.outcome === 'ok') logger.info(fields, `${summary.operation} ok`)
      else logger.warn(fields, `${summary.operation} failed`)
      options.observer?.({ ...summary, ms: fields.ms, ...(reference ? { reference } : {}) })
      return new Response(xml, { status: 200, headers: XML })
    } catch (error) {
      const reference = newReference()
      logger.error(
        { operation: identified.operation, reference, err: describeThrown(error), ms: ms() },
        'operation crashed',
      )
      const crashed = failedCall(identified.operation, { kind: 'Internal', reference }, tenant)
      options.observer?.({ ...crashed, reference, ms: ms() })
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

/** A short id in the log line and the dashboard's error feed, to find one from the other. */
function newReference(): string {
  return randomUUID().slice(0, 8)
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
