const tenantPath = {
  name: 'ctx',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
}
const tenantQuery = { name: 'tenant', in: 'query', required: false, schema: { type: 'string' } }
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } })
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
})
const errors = {
  401: problem('no admin token, or a session that expired'),
  403: problem('a change asked for with the session cookie from another origin'),
  500: problem('the service failed; the detail holds the log reference'),
}
const missing = problem('no such tenant or table')
const noInspection = problem('the mirror provider offers no inspection; pass an inspector')
const millis = { type: 'integer', description: 'milliseconds since 1970 (UTC)' }
const nullableMillis = { ...millis, nullable: true }

const errorRecord = {
  type: 'object',
  required: ['at', 'contextId', 'operation', 'message', 'reference'],
  properties: {
    at: millis,
    contextId: { type: 'string', nullable: true, description: 'none for a call refused before its token named one' },
    operation: { type: 'string' },
    message: { type: 'string' },
    reference: { type: 'string', nullable: true, description: "the log line's reference" },
  },
}

const schemas = {
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
    },
  },
  Error: errorRecord,
  Cycle: {
    type: 'object',
    required: ['startedAt', 'endedAt', 'durationMs', 'outcome', 'rows', 'calls', 'error', 'reference'],
    properties: {
      startedAt: millis,
      endedAt: millis,
      durationMs: { type: 'integer' },
      outcome: { type: 'string', enum: ['ok', 'failed', 'abandoned'] },
      rows: { type: 'integer' },
      calls: { type: 'integer' },
      error: { type: 'string', nullable: true },
      reference: { type: 'string', nullable: true },
    },
  },
  Tenant: {
    type: 'object',
    required: [
      'contextId',
      'health',
      'paused',
      'lastCall',
      'lastSuccessAt',
      'lastCompletedAt',
      'lastError',
      'failures24h',
      'recentCycles',
    ],
    properties: {
      contextId: { type: 'string' },
      health: {
        type: 'string',
        enum: ['failing', 'stale', 'new', 'paused', 'ok'],
        description:
          'failing: the last call failed and no cycle completed since; stale: no cycle completed for --stale-after',
      },
      paused: { type: 'boolean' },
      lastCall: {
        type: 'object',
        nullable: true,
        required: ['at', 'operation', 'outcome'],
        properties: {
          at: millis,
          operation: { type: 'string' },
          outcome: { type: 'string', enum: ['ok', 'failed', 'fault'] },
        },
      },
      lastSuccessAt: nullableMillis,
      lastCompletedAt: nullableMillis,
      lastError: { ...errorRecord, nullable: true },
      failures24h: { type: 'integer' },
      recentCycles: { type: 'array', items: ref('Cycle') },
    },
  },
  Table: {
    type: 'object',
    required: ['table', 'lsn', 'rows', 'lsnMovedAt', 'lastDataAt', 'lastRows', 'createdByMirror'],
    properties: {
      table: { type: 'string' },
      lsn: { type: 'integer' },
      rows: {
        type: 'integer',
        nullable: true,
        description: 'null when it cannot be counted, or no inspector counts it',
      },
      lsnMovedAt: { ...nullableMillis, description: "when the table's LSN last changed" },
      lastDataAt: { ...nullableMillis, description: 'when a RowData call last wrote rows to it' },
      lastRows: { type: 'integer', nullable: true },
      createdByMirror: { type: 'boolean' },
    },
  },
  TenantDetail: {
    allOf: [
      ref('Tenant'),
      {
        type: 'object',
        required: ['cycles', 'errors', 'schemaChanges', 'tables'],
        properties: {
          cycles: { type: 'array', items: ref('Cycle') },
          errors: { type: 'array', items: ref('Error') },
          schemaChanges: {
            type: 'array',
            items: {
              type: 'object',
              required: ['at', 'table', 'change', 'detail'],
              properties: {
                at: millis,
                table: { type: 'string' },
                change: { type: 'string', enum: ['Created', 'Altered', 'Recreated'] },
                detail: { type: 'string', description: 'the columns and types the change touched' },
              },
            },
          },
          tables: { type: 'array', items: ref('Table') },
        },
      },
    ],
  },
  Series: {
    type: 'object',
    required: ['since', 'minutes', 'cycles'],
    properties: {
      since: millis,
      minutes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['minute', 'calls', 'failures', 'rows', 'ms'],
          properties: {
            minute: millis,
            calls: { type: 'integer' },
            failures: { type: 'integer' },
            rows: { type: 'integer' },
            ms: { type: 'number', description: 'time spent in calls' },
          },
        },
      },
      cycles: { type: 'array', items: ref('Cycle') },
    },
  },
  Paused: {
    type: 'object',
    required: ['contextId', 'paused'],
    properties: { contextId: { type: 'string' }, paused: { type: 'boolean' } },
  },
  Resynced: {
    type: 'object',
    required: ['contextId', 'resynced'],
    properties: { contextId: { type: 'string' }, resynced: { type: 'integer' } },
  },
  TableResynced: {
    type: 'object',
    required: ['contextId', 'table', 'lsn'],
    properties: { contextId: { type: 'string' }, table: { type: 'string' }, lsn: { type: 'integer', enum: [-1] } },
  },
  Discarded: {
    type: 'object',
    required: ['contextId', 'dropped'],
    properties: { contextId: { type: 'string' }, dropped: { type: 'integer' } },
  },
}

/** The admin API's description (OpenAPI 3.0), served at /admin/api/openapi.json; the tests hold answers to it. */
export const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'tenant-mirror admin API', version: '2' },
  servers: [{ url: '/admin/api' }],
  security: [{ bearer: [] }, { session: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'the admin token' },
      session: {
        type: 'apiKey',
        in: 'cookie',
        name: 'tenant_mirror_session',
        description: 'set by /admin?token=…; changes need the dashboard’s own origin',
      },
    },
    schemas,
  },
  paths: {
    '/tenants': {
      get: {
        summary: 'Every tenant the service knows, worst health first, with its last call, error and cycles',
        responses: { 200: json('tenants', { type: 'array', items: ref('Tenant') }), ...errors },
      },
    },
    '/tenants/{ctx}': {
      get: {
        summary: "A tenant's mirror: tables with LSN, rows and last changes; cycles, errors and schema history",
        parameters: [tenantPath],
        responses: {
          200: json('the tenant', ref('TenantDetail')),
          404: missing,
          503: problem('the mirror database cannot be reached'),
          ...errors,
        },
      },
    },
    '/errors': {
      get: {
        summary: 'The error feed, newest first: failed and faulted calls with their log references',
        parameters: [tenantQuery, { name: 'limit', in: 'query', required: false, schema: { type: 'integer' } }],
        responses: { 200: json('errors', { type: 'array', items: ref('Error') }), 404: missing, ...errors },
      },
    },
    '/series': {
      get: {
        summary: 'Calls, failures, rows and time per minute (all tenants, or one), and its cycles, for the charts',
        parameters: [tenantQuery, { name: 'hours', in: 'query', required: false, schema: { type: 'integer' } }],
        responses: { 200: json('figures', ref('Series')), 404: missing, ...errors },
      },
    },
    '/tenants/{ctx}/pause': {
      post: {
        summary: 'Authenticate answers doNotReplicate for this tenant until resumed, on every replica',
        parameters: [tenantPath],
        responses: { 200: json('paused', ref('Paused')), 404: missing, ...errors },
      },
    },
    '/tenants/{ctx}/resume': {
      post: {
        summary: 'Replicate this tenant again',
        parameters: [tenantPath],
        responses: { 200: json('resumed', ref('Paused')), 404: missing, ...errors },
      },
    },
    '/tenants/{ctx}/resync': {
      post: {
        summary: 'Full resync of every table of the tenant (LSN -1)',
        parameters: [tenantPath],
        responses: {
          200: json('done', ref('Resynced')),
          404: missing,
          501: noInspection,
          503: problem('mirror unreachable'),
          ...errors,
        },
      },
    },
    '/tenants/{ctx}/tables/{table}/resync': {
      post: {
        summary: 'Full resync of one table (LSN -1)',
        parameters: [tenantPath, { name: 'table', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: json('done', ref('TableResynced')),
          400: problem('not a table name'),
          404: missing,
          501: noInspection,
          503: problem('mirror unreachable'),
          ...errors,
        },
      },
    },
    '/tenants/{ctx}/mirror': {
      delete: {
        summary: 'Discard the mirror: drop every table the mirror created',
        parameters: [tenantPath],
        responses: { 200: json('done', ref('Discarded')), 404: missing, 503: problem('mirror unreachable'), ...errors },
      },
    },
  },
} as const
