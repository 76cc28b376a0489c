import type { OperationName } from '../../../src/domain/protocol/messages.ts'
import type { Call } from '../../support/envelopes.ts'
import type { TokenFlaw } from './hostile-tokens.ts'

/**
 * What a hostile request is: the plan fast-check generates (small data only), the request
 * built from it with the reply it must get, and the helpers every builder shares.
 */

/** The service's limits in this suite (the child's flags). */
export const LIMITS = { maxBodyBytes: 2 * 1024 * 1024, maxXmlDepth: 64, maxXmlElements: 200_000 } as const

export const KINDS = [
  'malformed-xml',
  'doctype-entities',
  'deep-nesting',
  'huge-body',
  'huge-value',
  'wrong-namespace',
  'soap-action',
  'bad-token',
  'replayed-nonce',
  'hostile-context-id',
  'hostile-identifier',
  'value-does-not-fit',
] as const
export type HostileKind = (typeof KINDS)[number]

/** One generated request: small data only (sizes, positions, choices), so that a counterexample prints short. */
export type HostilePlan =
  | {
      readonly kind: 'malformed-xml'
      readonly how:
        | 'truncate'
        | 'flip'
        | 'drop-close'
        | 'drop-open'
        | 'garbage'
        | 'bad-utf8'
        | 'utf16'
        | 'gzip'
        | 'double-root'
      readonly op: OperationName
      readonly pick: number
      readonly at: number
      readonly flips: readonly { at: number; mask: number }[]
      readonly garbage: string
    }
  | { readonly kind: 'doctype-entities'; readonly attack: string; readonly op: OperationName; readonly pick: number }
  | {
      readonly kind: 'deep-nesting'
      readonly how: 'nest' | 'unclosed' | 'whole-document' | 'element-flood' | 'header-flood' | 'unsigned-flood'
      readonly where: 'body' | 'header' | 'client-state' | 'value'
      readonly depth: number
      readonly op: OperationName
      readonly pick: number
    }
  | {
      readonly kind: 'huge-body'
      readonly how: 'declared' | 'chunked'
      readonly bytes: number
      readonly op: OperationName
      readonly pick: number
    }
  | {
      readonly kind: 'huge-value'
      readonly how:
        | 'over-limit'
        | 'over-limit-chunked'
        | 'nvarchar-100k'
        | 'nvarchar-1.5mb'
        | 'int-100k'
        | 'binary-100k'
        | 'decimal-100k'
        | 'token-1.5mb'
      readonly pick: number
    }
  | {
      readonly kind: 'wrong-namespace'
      readonly how: 'soap12' | 'not-soap' | 'operation' | 'contract' | 'foreign-item' | 'token-header' | 'wipe-member'
      readonly ns: string
      readonly item: 'TableSchemaInfo' | 'ColumnInfo' | 'RowDataBatch' | 'RowData'
      readonly keepMustUnderstand: boolean
      readonly op: OperationName
      readonly pick: number
    }
  | {
      readonly kind: 'soap-action'
      readonly how: 'unknown-action' | 'mismatched' | 'unknown-element' | 'empty-body' | 'must-understand'
      readonly choice: number
      readonly op: OperationName
      readonly pick: number
    }
  | { readonly kind: 'bad-token'; readonly flaw: TokenFlaw; readonly op: OperationName; readonly pick: number }
  | {
      readonly kind: 'replayed-nonce'
      readonly primer: 'authenticate' | 'refused-write'
      readonly op: OperationName
      readonly pick: number
    }
  | {
      readonly kind: 'hostile-context-id'
      readonly id: HostileText | number | boolean | readonly string[] | Record<string, never>
      readonly placement: 'both' | 'ctx' | 'sub' | 'ctx-over-valid-sub'
      readonly op: OperationName
      readonly pick: number
    }
  | {
      readonly kind: 'hostile-identifier'
      readonly where:
        | 'schema-table'
        | 'schema-column'
        | 'schema-type'
        | 'schema-default'
        | 'schema-nullable'
        | 'schema-duplicate-table'
        | 'schema-duplicate-column'
        | 'schema-reserved'
        | 'rowdata-table'
        | 'rowdata-column'
        | 'wipe-table'
      readonly name: HostileText
      readonly choice: number
      readonly alone: boolean
      readonly pick: number
    }
  | {
      readonly kind: 'value-does-not-fit'
      readonly target: 'cell' | 'lsn' | 'width' | 'operation'
      readonly column: number
      readonly choice: number
      readonly rows: number
      readonly at: number
      readonly update: boolean
      readonly withGoodBatch: boolean
    }

/** A text made long by repeating its core: `length` 0 keeps the core as it is. */
export interface HostileText {
  readonly core: string
  readonly length: number
}

export function textOf(t: HostileText): string {
  if (t.length <= t.core.length || t.core === '') return t.core
  return t.core.repeat(Math.ceil(t.length / t.core.length)).slice(0, t.length)
}

/** What the suite sends and what it must get back. */
export interface HostileRequest {
  readonly kind: HostileKind
  readonly variant: string
  /** The operation the request was made from. */
  readonly op: OperationName | undefined
  readonly body: string | Uint8Array | (() => ReadableStream<Uint8Array>)
  readonly headers: Readonly<Record<string, string>>
  /** `fault`: a SOAP Fault; `refused`: HTTP 200 with IsSuccessful=false; `either`. */
  readonly expect: 'fault' | 'refused' | 'either'
  readonly status?: number
  readonly reason?: RegExp
  /** Texts the reply must not contain (the token). */
  readonly secrets: readonly string[]
  /** A call to make first, with the reply it must get (the replayed token's first use). */
  readonly primer?: { readonly call: Call; readonly successful: boolean }
}

/** Tokens whose nonce the service has already seen: a mutated envelope can never carry a usable one. */
export interface HostileContext {
  readonly spentTokens: readonly string[]
}

// ---------------------------------------------------------------------------------------------
// Building

const XML_HEADERS = { 'content-type': 'text/xml; charset=utf-8' }

export function headersFor(action: string | undefined): Record<string, string> {
  return action === undefined ? { ...XML_HEADERS } : { ...XML_HEADERS, soapaction: `"${action}"` }
}

/** The token and its long parts: none may appear in a reply. */
function secretsOf(token: string): string[] {
  const parts = token.split('.').filter((p) => p.length >= 16)
  return token.length >= 16 ? [token, ...parts] : parts
}

export function hostileRequest(
  plan: HostilePlan,
  variant: string,
  fields: Omit<HostileRequest, 'kind' | 'variant' | 'headers' | 'secrets'> & {
    headers?: Record<string, string>
    action?: string
    token?: string
  },
): HostileRequest {
  const { action, token, headers, ...rest } = fields
  return {
    kind: plan.kind,
    variant,
    headers: headers ?? headersFor(action),
    secrets: token === undefined ? [] : secretsOf(token),
    ...rest,
  }
}

let filler: string | undefined
/** `n` characters of filler, from one shared string. */
export function fill(n: number): string {
  filler ??= 'x'.repeat(4_200_000)
  return n <= filler.length ? filler.slice(0, n) : filler.repeat(Math.ceil(n / filler.length)).slice(0, n)
}

export function chunked(body: string): () => ReadableStream<Uint8Array> {
  return () => {
    const bytes = Buffer.from(body)
    let offset = 0
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close()
        controller.enqueue(bytes.subarray(offset, offset + 65_536))
        offset += 65_536
      },
    })
  }
}
