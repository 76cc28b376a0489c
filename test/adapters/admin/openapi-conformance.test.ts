import { Ajv } from 'ajv'
import { beforeAll, describe, expect, it } from 'vitest'
import { OPENAPI } from '../../../src/adapters/admin/openapi.ts'
import { InMemoryMirrorDatabases } from '../../../src/adapters/memory/in-memory-mirror-database.ts'
import {
  authenticateCall,
  batch,
  completedCall,
  peopleTable,
  rowDataCall,
  tableSchemaCall,
} from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { type TestService, testService } from '../../support/test-service.ts'

const TOKEN = 'openapi-token-0123456789abcdef'
const ajv = new Ajv({ strict: false, allErrors: true })
ajv.addSchema(OPENAPI, 'api')

/** The schema the document gives for an answer, by path template, method, status and content type. */
function schemaFor(template: string, method: string, status: number, type: string): object {
  const operation = (OPENAPI.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[
    template
  ]?.[method]
  expect(operation, `${method} ${template} is not in the document`).toBeDefined()
  const response = operation!.responses[String(status)] as { content?: Record<string, unknown> } | undefined
  expect(response, `${method} ${template} does not document status ${status}`).toBeDefined()
  expect(Object.keys(response!.content ?? {}), `${method} ${template} ${status}`).toContain(type)
  const pointer = ['paths', template, method, 'responses', String(status), 'content', type, 'schema']
    .map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1'))
    .join('/')
  return { $ref: `api#/${pointer}` }
}

let service: TestService

async function answer(method: string, path: string, template: string, cookieOnly = false) {
  const headers = cookieOnly ? {} : { authorization: `Bearer ${TOKEN}` }
  const response = await service.app.request(`/admin/api${path}`, { method: method.toUpperCase(), headers })
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!
  const body = await response.json()
  const validate = ajv.compile(schemaFor(template, method, response.status, type))
  expect(validate(body), `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}`).toBe(true)
  return { status: response.status, body }
}

/** Issue 16: the admin API answers JSON always and matches its OpenAPI document. */
describe('the admin API matches its OpenAPI document', () => {
  beforeAll(async () => {
    service = await testService({ config: { adminToken: TOKEN } })
    const people = peopleTable()
    for (const contextId of ['CustOk', 'CustBad']) {
      expect((await post(service.app, await authenticateCall({ contextId }))).successful).toBe(true)
      expect((await post(service.app, await tableSchemaCall([people], { contextId }))).successful).toBe(true)
      expect(
        (await post(service.app, await rowDataCall([batch(people, 2, [['[I:1]', 'Ann', null]])], { contextId })))
          .successful,
      ).toBe(true)
    }
    expect((await post(service.app, await completedCall([], { contextId: 'CustOk' }))).successful).toBe(true)
    const bad = await rowDataCall([batch(people, 3, [['[I:2]', 'Bob', '[F:x]']])], { contextId: 'CustBad' })
    expect((await post(service.app, bad)).successful).toBe(false)
    await service.app.request('/MirroringClientService.svc', { method: 'POST', body: '<not-soap/>' })
    await service.flush()
  })

  it('for every read, with tenants in every state', async () => {
    const tenants = await answer('get', '/tenants', '/tenants')
    expect((tenants.body as { health: string }[]).map((t) => t.health)).toEqual(['failing', 'ok'])
    await answer('get', '/tenants/CustOk', '/tenants/{ctx}')
    await answer('get', '/tenants/CustBad', '/tenants/{ctx}')
    expect((await answer('get', '/tenants/Nobody', '/tenants/{ctx}')).status).toBe(404)
    const feed = await answer('get', '/errors', '/errors')
    expect((feed.body as unknown[]).length).toBe(2)
    await answer('get', '/errors?tenant=CustBad&limit=5', '/errors')
    expect((await answer('get', '/errors?tenant=Nobody', '/errors')).status).toBe(404)
    await answer('get', '/series?hours=2', '/series')
    await answer('get', '/series?tenant=CustOk', '/series')
  })

  it('for every action, and for refusals', async () => {
    await answer('post', '/tenants/CustOk/pause', '/tenants/{ctx}/pause')
    await answer('post', '/tenants/CustOk/resume', '/tenants/{ctx}/resume')
    await answer('post', '/tenants/CustOk/tables/person/resync', '/tenants/{ctx}/tables/{table}/resync')
    expect(
      (await answer('post', '/tenants/CustOk/tables/a"b/resync', '/tenants/{ctx}/tables/{table}/resync')).status,
    ).toBe(400)
    await answer('post', '/tenants/CustOk/resync', '/tenants/{ctx}/resync')
    await answer('delete', '/tenants/CustOk/mirror', '/tenants/{ctx}/mirror')
    expect((await answer('get', '/tenants', '/tenants', true)).status).toBe(401)
  })

  it('for a resync without an inspector (a provider that offers no inspection)', async () => {
    const inner = new InMemoryMirrorDatabases()
    service = await testService({
      config: { adminToken: TOKEN },
      mirrors: { forTenant: (ctx) => inner.forTenant(ctx), close: async () => {} },
    })
    const people = peopleTable()
    expect((await post(service.app, await tableSchemaCall([people], { contextId: 'CustOk' }))).successful).toBe(true)
    await service.flush()
    expect((await answer('get', '/tenants/CustOk', '/tenants/{ctx}')).status).toBe(200)
    expect((await answer('post', '/tenants/CustOk/resync', '/tenants/{ctx}/resync')).status).toBe(501)
    expect(
      (await answer('post', '/tenants/CustOk/tables/person/resync', '/tenants/{ctx}/tables/{table}/resync')).status,
    ).toBe(501)
  })
})
