import { gzipSync } from 'node:zlib'
import { ACTION_PREFIX, NS, soapActionOf } from '../../../src/adapters/soap/namespaces.ts'
import { rowDataCall, wipeCall } from '../../support/envelopes.ts'
import { mintToken } from '../../support/tokens.ts'
import { gadgetBatch, OPERATIONS, opCall, rowDataStartingWith } from './hostile-bodies.ts'
import {
  chunked,
  fill,
  type HostileContext,
  type HostilePlan,
  type HostileRequest,
  headersFor,
  hostileRequest,
  LIMITS,
} from './hostile-plans.ts'
import {
  dropTag,
  flipBytes,
  foreignItem,
  insertAfter,
  insertBytes,
  nesting,
  operationNamespace,
  renameOperation,
  soap12,
  swapContractNamespace,
  tokenHeaderNamespace,
  truncate,
  withoutHeader,
} from './hostile-xml.ts'

/** Hostile requests whose envelope is wrong: its XML, nesting, size, namespaces or SOAPAction. */

export async function malformed(
  plan: HostilePlan & { kind: 'malformed-xml' },
  context: HostileContext,
): Promise<HostileRequest> {
  const token = context.spentTokens[plan.pick % context.spentTokens.length]!
  const call = await opCall(plan.op, token, plan.pick)
  const base = { op: plan.op, action: call.action, token }
  switch (plan.how) {
    case 'truncate':
      return hostileRequest(plan, plan.how, {
        ...base,
        body: truncate(call.body, plan.at),
        expect: 'fault',
        status: 400,
      })
    case 'flip':
      // A flipped byte may still leave a well-formed call; its token was spent, so it is refused all the same.
      return hostileRequest(plan, plan.how, { ...base, body: flipBytes(call.body, plan.flips), expect: 'either' })
    case 'drop-close':
    case 'drop-open':
      return hostileRequest(plan, plan.how, {
        ...base,
        body: dropTag(call.body, plan.how === 'drop-close' ? 'close' : 'open', Math.floor(plan.at * 1000)),
        expect: 'fault',
        status: 400,
      })
    case 'garbage':
      return hostileRequest(plan, plan.how, { ...base, body: plan.garbage, expect: 'fault' })
    case 'bad-utf8': {
      const sequences = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80]]
      const bytes = sequences[plan.pick % sequences.length]!
      return hostileRequest(plan, plan.how, {
        ...base,
        body: insertBytes(call.body, plan.at, bytes),
        expect: 'fault',
        status: 400,
      })
    }
    case 'utf16': {
      const declared = plan.pick % 2 === 0
      const body = new Uint8Array(Buffer.from(`\ufeff${call.body}`, 'utf16le'))
      const headers = declared
        ? { ...headersFor(call.action), 'content-type': 'text/xml; charset=utf-16' }
        : headersFor(call.action)
      return hostileRequest(plan, declared ? 'utf16-declared' : 'utf16-undeclared', {
        ...base,
        headers,
        body,
        expect: 'fault',
        status: declared ? 415 : 400,
      })
    }
    case 'gzip':
      return hostileRequest(plan, plan.how, {
        ...base,
        headers: { ...headersFor(call.action), 'content-encoding': 'gzip' },
        body: new Uint8Array(gzipSync(call.body)),
        expect: 'fault',
        status: 415,
      })
    case 'double-root':
      return hostileRequest(plan, plan.how, { ...base, body: call.body + call.body, expect: 'fault', status: 400 })
  }
}

export async function deepNesting(plan: HostilePlan & { kind: 'deep-nesting' }): Promise<HostileRequest> {
  const token = await mintToken()
  const call = await opCall(plan.op, token, plan.pick)
  const base = { op: plan.op, action: call.action, token, expect: 'fault' as const, status: 400 }
  if (plan.how === 'element-flood') {
    const flood = `<flood>${'<y/>'.repeat(LIMITS.maxXmlElements + 1 + (plan.pick % 50_000))}</flood>`
    const body = insertAfter(call.body, '<ClientState/>', flood)
    // Empty elements cost a node each, many times their 4 bytes: refused as too dense long before the count.
    return hostileRequest(plan, plan.how, { ...base, body, status: 413, reason: /bytes of memory per byte read/ })
  }
  if (plan.how === 'header-flood') {
    // Before the token is checked only the header is read, and only so much of it.
    const body = insertAfter(call.body, '<s:Header>', `<flood>${'<y/>'.repeat(20_000 + (plan.pick % 50_000))}</flood>`)
    return hostileRequest(plan, plan.how, {
      ...base,
      body,
      status: 413,
      reason: /bytes of memory per byte read|SOAP Header and what precedes the operation exceed/,
    })
  }
  if (plan.how === 'unsigned-flood') {
    // Without a token the body is never parsed: the flood costs nothing and the call is refused.
    const flood = `<flood>${'<y/>'.repeat(LIMITS.maxXmlElements + (plan.pick % 50_000))}</flood>`
    const body = insertAfter(withoutHeader(call.body), '<ClientState/>', flood)
    return hostileRequest(plan, plan.how, { ...base, body, expect: 'refused', status: 200, reason: /SignedToken/ })
  }
  if (plan.how === 'whole-document') {
    return hostileRequest(plan, plan.how, { ...base, body: nesting(plan.depth + 1, 'd', true), reason: /deeper than/ })
  }
  const deep = nesting(plan.depth, 'd', plan.how === 'nest')
  const anchor = {
    body: '<ClientState/>',
    header: '<s:Header>',
    'client-state': '<ClientState>',
    value: '<b:string>',
  }[plan.where]
  const body =
    plan.where === 'client-state'
      ? call.body.replace('<ClientState/>', `<ClientState>${deep}</ClientState>`)
      : insertAfter(call.body, anchor, deep)
  return hostileRequest(plan, `${plan.how}-${plan.where}`, { ...base, body, reason: /deeper than/ })
}

export async function hugeValue(plan: HostilePlan & { kind: 'huge-value' }): Promise<HostileRequest> {
  const token = await mintToken()
  const base = { op: 'RowData' as const, action: soapActionOf('RowData'), token }
  const person = (name: string) => rowDataStartingWith(['[I:1]', name, null, null], token)
  const gadget = (cells: Record<number, string>) => {
    const row: (string | null)[] = ['[I:1]', null, null, null, null]
    for (const [i, v] of Object.entries(cells)) row[Number(i)] = v
    return rowDataCall([gadgetBatch([{ operation: 'U', values: row }])], token)
  }
  switch (plan.how) {
    case 'over-limit':
    case 'over-limit-chunked': {
      const call = await person(fill(LIMITS.maxBodyBytes + 1 + (plan.pick % 1_000_000)))
      return hostileRequest(plan, plan.how, {
        ...base,
        body: plan.how === 'over-limit' ? call.body : chunked(call.body),
        expect: 'fault',
        status: 413,
      })
    }
    case 'nvarchar-100k':
    case 'nvarchar-1.5mb': {
      const call = await person(fill(plan.how === 'nvarchar-100k' ? 100_000 : 1_500_000))
      return hostileRequest(plan, plan.how, { ...base, body: call.body, expect: 'refused', reason: /longer than 50/ })
    }
    case 'int-100k':
      return hostileRequest(plan, plan.how, {
        ...base,
        body: (await rowDataStartingWith([`[I:${'9'.repeat(100_000)}]`, 'Ann', null, null], token)).body,
        expect: 'refused',
      })
    case 'binary-100k':
      return hostileRequest(plan, plan.how, {
        ...base,
        body: (await gadget({ 4: `[B:${Buffer.alloc(75_000, 1).toString('base64')}]` })).body,
        expect: 'refused',
        reason: /longer than 16 bytes/,
      })
    case 'decimal-100k':
      return hostileRequest(plan, plan.how, {
        ...base,
        body: (await rowDataStartingWith(['[I:1]', 'Ann', `[F:1.${'1'.repeat(100_000)}]`, null], token)).body,
        expect: 'refused',
      })
    case 'token-1.5mb': {
      const junk = `${(await mintToken()).split('.')[0]}.${fill(1_500_000)}.x`
      const call = await opCall('RowData', junk, plan.pick)
      return hostileRequest(plan, plan.how, {
        ...base,
        token: junk,
        body: call.body,
        // The header is read only so far: a 1.5 MB token never reaches the verifier.
        expect: 'fault',
        status: 400,
        reason: /SOAP Header and what precedes the operation exceed/,
      })
    }
  }
}

export async function wrongNamespace(plan: HostilePlan & { kind: 'wrong-namespace' }): Promise<HostileRequest> {
  const token = await mintToken()
  const ns = plan.ns
  switch (plan.how) {
    case 'soap12': {
      const call = await opCall(plan.op, token, plan.pick)
      return hostileRequest(plan, plan.how, {
        op: plan.op,
        action: call.action,
        token,
        body: soap12(call.body),
        expect: 'fault',
        status: 500,
        reason: /SOAP 1.2/,
      })
    }
    case 'not-soap': {
      const call = await opCall(plan.op, token, plan.pick)
      const other = ns === NS.soap ? 'urn:wrong' : ns
      const body = call.body.replaceAll(`xmlns:s="${NS.soap}"`, `xmlns:s="${other}"`)
      return hostileRequest(plan, plan.how, {
        op: plan.op,
        action: call.action,
        token,
        body,
        expect: 'fault',
        status: 400,
      })
    }
    case 'operation': {
      const call = await opCall(plan.op, token, plan.pick)
      const other = ns === NS.mirroring ? 'urn:wrong' : ns
      const action = plan.pick % 2 === 0 ? call.action : undefined
      return hostileRequest(plan, plan.how, {
        op: plan.op,
        action,
        token,
        body: operationNamespace(call.body, other),
        expect: 'fault',
        status: 500,
      })
    }
    case 'contract':
    case 'foreign-item': {
      const schema = plan.op === 'TableSchema' || (plan.op !== 'RowData' && plan.pick % 2 === 0)
      const call = await opCall(schema ? 'TableSchema' : 'RowData', token, plan.pick)
      const other = ns === NS.contract ? 'urn:wrong' : ns
      const item = schema
        ? plan.item === 'RowDataBatch' || plan.item === 'TableSchemaInfo'
          ? 'TableSchemaInfo'
          : 'ColumnInfo'
        : plan.item === 'TableSchemaInfo'
          ? 'RowDataBatch'
          : plan.item
      const body =
        plan.how === 'contract' ? swapContractNamespace(call.body, other) : foreignItem(call.body, item, other)
      return hostileRequest(
        plan,
        plan.how === 'contract' ? `contract-${schema ? 'TableSchema' : 'RowData'}` : `foreign-${item}`,
        {
          op: schema ? 'TableSchema' : 'RowData',
          action: call.action,
          token,
          body,
          // A prefix cannot be bound to "": that one is malformed.
          expect: other === '' ? 'fault' : 'refused',
        },
      )
    }
    case 'token-header': {
      const call = await opCall(plan.op, token, plan.pick)
      const other = ns === NS.mirroring || ns === '' ? 'urn:wrong' : ns
      const body = tokenHeaderNamespace(call.body, other, plan.keepMustUnderstand)
      return hostileRequest(plan, plan.keepMustUnderstand ? 'token-header-must-understand' : 'token-header', {
        op: plan.op,
        action: call.action,
        token,
        body,
        expect: plan.keepMustUnderstand ? 'fault' : 'refused',
        reason: plan.keepMustUnderstand ? /not understood/ : /missing/,
      })
    }
    case 'wipe-member': {
      const call = await wipeCall('person', token)
      const other = ns === NS.mirroring ? 'urn:wrong' : ns
      const body = call.body.replace('<TableName>', `<TableName xmlns="${other}">`)
      return hostileRequest(plan, plan.how, {
        op: 'Wipe',
        action: call.action,
        token,
        body,
        expect: 'refused',
        reason: /TableName/,
      })
    }
  }
}

const UNKNOWN_ACTIONS = [
  'http://evil/Drop',
  `${ACTION_PREFIX}DropDatabase`,
  ACTION_PREFIX,
  `${ACTION_PREFIX}rowdata`,
  `${ACTION_PREFIX}RowData/extra`,
  `${NS.mirroring}/IMirroringClientService2/RowData`,
  'RowData',
  'urn:RowData',
  `"${ACTION_PREFIX}RowData`,
  `${ACTION_PREFIX}RowData;${ACTION_PREFIX}Wipe`,
  `${ACTION_PREFIX}Authenticate\tx`,
]
const UNKNOWN_ELEMENTS = [
  'DropTablesRequest',
  'RowDataResponse',
  'rowdatarequest',
  'RowData',
  'Request',
  'AuthenticateRequestX',
  'WipeRequest_',
]

export async function soapAction(plan: HostilePlan & { kind: 'soap-action' }): Promise<HostileRequest> {
  const token = await mintToken()
  const call = await opCall(plan.op, token, plan.pick)
  const base = { op: plan.op, token, expect: 'fault' as const }
  switch (plan.how) {
    case 'unknown-action':
      return hostileRequest(plan, plan.how, {
        ...base,
        action: UNKNOWN_ACTIONS[plan.choice % UNKNOWN_ACTIONS.length]!,
        body: call.body,
        status: 500,
        reason: /SOAPAction/,
      })
    case 'mismatched': {
      const others = OPERATIONS.filter((o) => o !== plan.op)
      return hostileRequest(plan, plan.how, {
        ...base,
        action: soapActionOf(others[plan.choice % others.length]!),
        body: call.body,
        status: 500,
        reason: /does not match/,
      })
    }
    case 'unknown-element': {
      const name = UNKNOWN_ELEMENTS[plan.choice % UNKNOWN_ELEMENTS.length]!
      return hostileRequest(plan, plan.how, {
        ...base,
        action: plan.pick % 2 === 0 ? call.action : undefined,
        body: renameOperation(call.body, name),
        status: 500,
        reason: /no operation/,
      })
    }
    case 'empty-body':
      return hostileRequest(plan, plan.how, {
        ...base,
        action: call.action,
        body: call.body.replace(/<s:Body>.*<\/s:Body>/s, plan.pick % 2 === 0 ? '<s:Body/>' : '<s:Body> </s:Body>'),
        status: 400,
        reason: /empty/,
      })
    case 'must-understand': {
      const trap = `<x:Trap s:mustUnderstand="${plan.pick % 2 === 0 ? '1' : 'true'}" xmlns:x="urn:x">drop</x:Trap>`
      return hostileRequest(plan, plan.how, {
        ...base,
        action: call.action,
        body: insertAfter(call.body, '<s:Header>', trap),
        status: 500,
        reason: /not understood/,
      })
    }
  }
}
