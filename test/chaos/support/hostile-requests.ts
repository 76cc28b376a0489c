import fc from 'fast-check'
import { NS } from '../../../src/adapters/soap/namespaces.ts'
import { CTX_CLAIM, mintToken } from '../../support/tokens.ts'
import { OPERATIONS, opCall, rowDataStartingWith, VALUE_COLUMNS, WRITES } from './hostile-bodies.ts'
import { hostileIdentifier, valueDoesNotFit } from './hostile-contents.ts'
import { deepNesting, hugeValue, malformed, soapAction, wrongNamespace } from './hostile-envelopes.ts'
import { TENANT } from './hostile-mirror.ts'
import {
  chunked,
  type HostileContext,
  type HostilePlan,
  type HostileRequest,
  type HostileText,
  hostileRequest,
  LIMITS,
  textOf,
} from './hostile-plans.ts'
import { flawedToken, tokenFlaw } from './hostile-tokens.ts'
import { ENTITY_ATTACKS, withoutHeader } from './hostile-xml.ts'

/**
 * The generators of the hostile-input suite: `hostilePlan` mixes every kind of hostile request
 * (fc.oneof, weighted), and `buildRequest` turns a plan into bytes, headers and the reply the
 * service owes. Every request is a call that would succeed — and, for writes, change the
 * mirror — but for the one thing made wrong.
 */

// ---------------------------------------------------------------------------------------------
// Generators

const op = fc.constantFrom(...OPERATIONS)
const writeOp = fc.constantFrom(...WRITES)
const pick = fc.nat({ max: 1_000_000 })
const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })

/** Snippets that no SQL identifier may hold: quotes, separators, brackets, comment starts, odd unicode. */
const IDENTIFIER_SNIPPETS = [
  "per'son",
  'per"son',
  'person;DROP TABLE person',
  'person]',
  '[person]',
  '`person`',
  'person--',
  'per son',
  ' person',
  'person\n',
  'person\r',
  'per\tson',
  'person\u0000x',
  '😀',
  'per\u200dson',
  'per\u202eson',
  'pe\u0301rson',
  'person\u00a0',
  '1person',
  '$person',
  'person.name',
  'dbo.person',
  'person/*',
  '../person',
  'person%',
  'per-son',
  '客户;',
  'x\ud800y',
  '',
]

/** Whether a wire name is an identifier the service must accept (README: a letter or _, then letters, digits, _$#@, ≤ 128). */
function acceptableIdentifier(name: string): boolean {
  // The request writer drops characters XML cannot carry, so judge what the service will read.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  const read = name.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
  return /^[\p{L}_][\p{L}\p{N}_$#@]{0,127}$/u.test(read.toWellFormed())
}

const hostileName: fc.Arbitrary<HostileText> = fc
  .oneof(
    fc.record({ core: fc.constantFrom(...IDENTIFIER_SNIPPETS), length: fc.constantFrom(0, 0, 0, 129, 10_240) }),
    fc.record({ core: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), length: fc.constant(0) }),
    fc.record({ core: fc.constantFrom('a', 'Ж', '_'), length: fc.constantFrom(129, 1000, 10_240) }),
  )
  .filter((t) => !acceptableIdentifier(textOf(t)))

const CONTEXT_SNIPPETS = [
  "Cust'12345",
  'Cust"1',
  'Cust1;DROP TABLE person;--',
  'Cust]1',
  '`Cust`',
  'Cüst1',
  '客户1',
  'Cust 1',
  ' Cust12345',
  'Cust12345\n',
  'Cust12345\u0000',
  '../../etc/passwd',
  '..',
  'Cust/1',
  'Cust\\1',
  'C:\\x',
  'Cust%2F1',
  'Cust.1',
  '\u202eCust',
  'Cust12345\u200b',
  'Cust😀',
  '{contextId}',
  '[@contextId]',
  '',
  'Mirror_Cust12345.sqlite',
]

const hostileContextId: fc.Arbitrary<HostilePlan & { kind: 'hostile-context-id' }> = fc
  .record({
    kind: fc.constant('hostile-context-id'),
    id: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ core: fc.constantFrom(...CONTEXT_SNIPPETS), length: fc.constantFrom(0, 0, 0, 10_240) }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ core: fc.constantFrom('A', 'Cust', '9'), length: fc.constantFrom(65, 100, 10_240) }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          core: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
          length: fc.constant(0),
        }),
      },
      { weight: 1, arbitrary: fc.constantFrom(12345, true, [TENANT], {}) },
    ),
    placement: fc.constantFrom('both', 'ctx', 'sub', 'ctx-over-valid-sub'),
    op,
    pick,
  })
  .filter(
    (p) =>
      typeof p.id !== 'object' ||
      Array.isArray(p.id) ||
      !('core' in p.id) ||
      !/^[A-Za-z0-9_-]{1,64}$/.test(textOf(p.id as HostileText)),
  )

const OTHER_NAMESPACES = [
  'urn:wrong',
  `${NS.contract}/`,
  NS.contract.toLowerCase(),
  'http://schemas.datacontract.org/2004/07/SuperOffice.Online.Mirroring.Contract.V2',
  NS.mirroring,
  NS.arrays,
  'http://www.superoffice.com/online/mirroring/0.2',
  'http://www.superoffice.com/online/mirroring/0.1/',
  NS.soap,
  '',
]

export const hostilePlan: fc.Arbitrary<HostilePlan> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('malformed-xml'),
      how: fc.constantFrom(
        'truncate',
        'flip',
        'drop-close',
        'drop-open',
        'garbage',
        'bad-utf8',
        'utf16',
        'gzip',
        'double-root',
      ),
      op,
      pick,
      at: fraction,
      flips: fc.array(fc.record({ at: fraction, mask: fc.integer({ min: 1, max: 255 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
      garbage: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom('', '<', '<?xml version="1.0"?>', '<a>', 'null', '{"json":true}', '<s:Envelope/>', ']]>'),
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('doctype-entities'),
      attack: fc.constantFrom(...Object.keys(ENTITY_ATTACKS)),
      op,
      pick,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('deep-nesting'),
      how: fc.constantFrom(
        'nest',
        'nest',
        'unclosed',
        'whole-document',
        'element-flood',
        'header-flood',
        'unsigned-flood',
      ),
      where: fc.constantFrom('body', 'header', 'client-state', 'value'),
      depth: fc.oneof(fc.constant(LIMITS.maxXmlDepth), fc.integer({ min: LIMITS.maxXmlDepth, max: 5_000 })),
      op,
      pick,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge-body'),
      how: fc.constantFrom('declared', 'chunked'),
      bytes: fc.oneof(
        fc.constant(LIMITS.maxBodyBytes + 1),
        fc.integer({ min: LIMITS.maxBodyBytes + 1, max: 4_000_000 }),
      ),
      op,
      pick,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge-value'),
      how: fc.constantFrom(
        'over-limit',
        'over-limit-chunked',
        'nvarchar-100k',
        'nvarchar-1.5mb',
        'int-100k',
        'binary-100k',
        'decimal-100k',
        'token-1.5mb',
      ),
      pick,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('wrong-namespace'),
      how: fc.constantFrom(
        'soap12',
        'not-soap',
        'operation',
        'contract',
        'contract',
        'foreign-item',
        'foreign-item',
        'token-header',
        'wipe-member',
      ),
      ns: fc.constantFrom(...OTHER_NAMESPACES),
      item: fc.constantFrom('TableSchemaInfo', 'ColumnInfo', 'RowDataBatch', 'RowData'),
      keepMustUnderstand: fc.boolean(),
      op,
      pick,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('soap-action'),
      how: fc.constantFrom('unknown-action', 'mismatched', 'unknown-element', 'empty-body', 'must-understand'),
      choice: fc.nat({ max: 100 }),
      op,
      pick,
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('bad-token'), flaw: tokenFlaw, op, pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replayed-nonce'),
      primer: fc.constantFrom('authenticate', 'refused-write'),
      op: writeOp,
      pick,
    }),
  },
  { weight: 3, arbitrary: hostileContextId },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('hostile-identifier'),
      where: fc.constantFrom(
        'schema-table',
        'schema-table',
        'schema-column',
        'schema-column',
        'schema-type',
        'schema-default',
        'schema-nullable',
        'schema-duplicate-table',
        'schema-duplicate-column',
        'schema-reserved',
        'rowdata-table',
        'rowdata-column',
        'wipe-table',
      ),
      name: hostileName,
      choice: fc.nat({ max: 100 }),
      alone: fc.boolean(),
      pick,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('value-does-not-fit'),
      target: fc.constantFrom('cell', 'cell', 'cell', 'cell', 'lsn', 'width', 'operation'),
      column: fc.nat({ max: VALUE_COLUMNS.length - 1 }),
      choice: fc.nat({ max: 100 }),
      rows: fc.integer({ min: 1, max: 6 }),
      at: fraction,
      update: fc.boolean(),
      withGoodBatch: fc.boolean(),
    }),
  },
)

/** Turns a plan into the bytes to send and the reply to expect. */
export async function buildRequest(plan: HostilePlan, context: HostileContext): Promise<HostileRequest> {
  switch (plan.kind) {
    case 'malformed-xml':
      return malformed(plan, context)
    case 'doctype-entities': {
      const token = await mintToken()
      const call = await opCall(plan.op, token, plan.pick)
      const attack = ENTITY_ATTACKS[plan.attack]!
      const body = attack.prolog + call.body.replace('<ClientState/>', `<ClientState>${attack.reference}</ClientState>`)
      return hostileRequest(plan, plan.attack, {
        op: plan.op,
        action: call.action,
        token,
        body,
        expect: 'fault',
        status: 400,
      })
    }
    case 'deep-nesting':
      return deepNesting(plan)
    case 'huge-body': {
      const token = await mintToken()
      const call = await opCall(plan.op, token, plan.pick)
      // A valid call padded with blanks after its root: without the limit it would succeed.
      const body = call.body + ' '.repeat(Math.max(0, plan.bytes - Buffer.byteLength(call.body)))
      return hostileRequest(plan, plan.how, {
        op: plan.op,
        action: call.action,
        token,
        body: plan.how === 'chunked' ? chunked(body) : body,
        expect: 'fault',
        status: 413,
        reason: /larger than/,
      })
    }
    case 'huge-value':
      return hugeValue(plan)
    case 'wrong-namespace':
      return wrongNamespace(plan)
    case 'soap-action':
      return soapAction(plan)
    case 'bad-token': {
      const token = await flawedToken(plan.flaw)
      const call = await opCall(plan.op, token, plan.pick)
      const headerless = plan.flaw.flaw === 'missing' && plan.pick % 2 === 0
      return hostileRequest(plan, headerless ? 'no-header' : plan.flaw.flaw, {
        op: plan.op,
        action: call.action,
        token,
        body: headerless ? withoutHeader(call.body) : call.body,
        expect: 'refused',
        reason: /SignedToken/,
      })
    }
    case 'replayed-nonce': {
      const token = await mintToken()
      const primer =
        plan.primer === 'authenticate'
          ? { call: await opCall('Authenticate', token, 0), successful: true }
          : { call: await rowDataStartingWith(['[I:77]', 'x'.repeat(51), null, null], token), successful: false }
      const call = await opCall(plan.op, token, plan.pick)
      return hostileRequest(plan, `after-${plan.primer}`, {
        op: plan.op,
        action: call.action,
        token,
        body: call.body,
        expect: 'refused',
        reason: /already used/,
        primer,
      })
    }
    case 'hostile-context-id': {
      const id =
        typeof plan.id === 'object' && !Array.isArray(plan.id) && 'core' in plan.id
          ? textOf(plan.id as HostileText)
          : plan.id
      const token =
        plan.placement === 'both'
          ? await mintToken({ claims: { sub: id, [CTX_CLAIM]: id } })
          : plan.placement === 'ctx'
            ? await mintToken({ claims: { [CTX_CLAIM]: id }, omit: ['sub'] })
            : plan.placement === 'sub'
              ? await mintToken({ claims: { sub: id }, omit: [CTX_CLAIM] })
              : await mintToken({ claims: { [CTX_CLAIM]: id } })
      const call = await opCall(plan.op, token, plan.pick)
      return hostileRequest(
        plan,
        `${plan.placement}${typeof id === 'string' ? (id.length > 64 ? '-long' : '') : '-non-string'}`,
        {
          op: plan.op,
          action: call.action,
          token,
          body: call.body,
          expect: 'refused',
          reason: /context id/,
        },
      )
    }
    case 'hostile-identifier':
      return hostileIdentifier(plan)
    case 'value-does-not-fit':
      return valueDoesNotFit(plan)
  }
}
