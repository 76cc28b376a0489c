const tenantPath = {
  name: 'ctx',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
}
const ok = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } })
const missing = { description: 'no such tenant or table' }

const call = {
  type: 'object',
  nullable: true,
  properties: {
    at: { type: 'integer', description: 'milliseconds since 1970' },
    operation: { type: 'string' },
    outcome: { type: 'string', enum: ['ok', 'failed', 'fault'] },
    error: { type: 'string' },
  },
}
const tenant = {
  type: 'object',
  properties: {
    contextId: { type: 'string' },
    paused: { type: 'boolean' },
    lastCall: call,
    lastCompletedAt: { type: 'integer', nullable: true },
    lastError: { type: 'string', nullable: true },
  },
}

/** The admin API's description (OpenAPI 3.0), served at /admin/api/openapi.json. */
export const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'tenant-mirror admin API', version: '1' },
  servers: [{ url: '/admin/api' }],
  security: [{ bearer: [] }, { cookie: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'the admin token' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'tenant_mirror_admin', description: 'set by /admin?token=…' },
    },
  },
  paths: {
    '/tenants': {
      get: {
        summary: 'Tenants the service has seen, with their last call and cycle',
        responses: { 200: ok('tenants', { type: 'array', items: tenant }), 401: { description: 'no admin token' } },
      },
    },
    '/tenants/{ctx}': {
      get: {
        summary: "A tenant's mirror: tables with LSN, row count and last change, and its schema-change history",
        parameters: [tenantPath],
        responses: {
          200: ok('the tenant', {
            allOf: [
              tenant,
              {
                type: 'object',
                properties: {
                  tables: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        table: { type: 'string' },
                        lsn: { type: 'integer' },
                        rows: { type: 'integer', nullable: true },
                        updatedAt: { type: 'string' },
                        createdByMirror: { type: 'boolean' },
                      },
                    },
                  },
                  schemaChanges: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { at: { type: 'integer' }, table: { type: 'string' }, change: { type: 'string' } },
                    },
                  },
                },
              },
            ],
          }),
          404: missing,
        },
      },
    },
    '/tenants/{ctx}/pause': {
      post: {
        summary: 'Authenticate answers doNotReplicate for this tenant until resumed',
        parameters: [tenantPath],
        responses: { 200: ok('paused', tenant), 404: missing },
      },
    },
    '/tenants/{ctx}/resume': {
      post: {
        summary: 'Replicate this tenant again',
        parameters: [tenantPath],
        responses: { 200: ok('resumed', tenant), 404: missing },
      },
    },
    '/tenants/{ctx}/resync': {
      post: {
        summary: 'Full resync of every table of the tenant (LSN -1)',
        parameters: [tenantPath],
        responses: { 200: ok('done', { type: 'object' }), 404: missing },
      },
    },
    '/tenants/{ctx}/tables/{table}/resync': {
      post: {
        summary: 'Full resync of one table (LSN -1)',
        parameters: [tenantPath, { name: 'table', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: ok('done', { type: 'object' }), 400: { description: 'not a table name' }, 404: missing },
      },
    },
    '/tenants/{ctx}/mirror': {
      delete: {
        summary: 'Discard the mirror: drop every table the mirror created',
        parameters: [tenantPath],
        responses: { 200: ok('done', { type: 'object' }), 404: missing },
      },
    },
  },
} as const
