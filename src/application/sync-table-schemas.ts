import type { ContextId } from '../domain/handshake/context-id.ts'
import type { VerifiedCall } from '../domain/handshake/token-claims.ts'
import type { TableSchemaReply, TableSchemaRequest, WireTableLsn } from '../domain/protocol/messages.ts'
import { fitsIdentifierLimit, type IdentifierLimit, identifierKey } from '../domain/schema/identifier.ts'
import { metadataTableName } from '../domain/schema/metadata-table.ts'
import { describePlan } from '../domain/schema/plan-description.ts'
import { schemaFingerprint } from '../domain/schema/schema-fingerprint.ts'
import { planTable, type TablePlan } from '../domain/schema/schema-plan.ts'
import type { TableSchema } from '../domain/schema/table-schema.ts'
import { err, ok, type Result } from '../domain/shared/result.ts'
import type { MirroringDeps } from './mirroring-deps.ts'
import type { OperationError } from './operation-error.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { failed, runHook } from './operation-support.ts'
import { openTenantMirror, type TenantMirror, tenantCall } from './tenant-call.ts'
import { ValidatedSchemas } from './validated-schemas.ts'

/**
 * TableSchema (protocol.md §3.3, wire-profile §3): brings every requested table to its schema,
 * drops the mirror's own tables that are no longer requested, and answers each table's LSN in
 * request order. Every table is validated before anything is touched, so a bad table changes
 * nothing; each table's change is then atomic with its metadata row.
 */
export class SyncTableSchemas {
  readonly #deps: MirroringDeps
  readonly #schemas: ValidatedSchemas
  /** Each schema's hash, computed once: the same schema objects come back call after call. */
  readonly #hashes = new WeakMap<TableSchema, string>()

  constructor(deps: MirroringDeps) {
    this.#deps = deps
    this.#schemas = new ValidatedSchemas(deps.schema)
  }

  execute(request: TableSchemaRequest): Promise<OperationOutcome<TableSchemaReply>> {
    return tenantCall(this.#deps, 'TableSchema', request.signedToken, (call) => this.#run(request, call))
  }

  async #run(request: TableSchemaRequest, { contextId }: VerifiedCall): Promise<OperationOutcome<TableSchemaReply>> {
    const schemas = this.#validate(request, contextId)
    if (!schemas.ok) return failed(schemas.error, contextId)

    const opened = await openTenantMirror(this.#deps, contextId, (db) =>
      tooLong(contextId, schemas.value, db.identifierLimit),
    )
    if (!opened.ok) return outcome(opened, contextId)
    const mirror = opened.value
    const lsns: WireTableLsn[] = []
    for (const schema of schemas.value) {
      const lsn = await this.#syncTable(mirror, schema, request.clientState)
      if (!lsn.ok) return outcome(lsn, contextId, lsns.length)
      lsns.push({ table: schema.name, lsn: lsn.value })
    }

    const dropped = await this.#dropAbsent(mirror, schemas.value)
    if (!dropped.ok) return outcome(dropped, contextId, lsns.length)
    return outcome(ok({ lsns }), contextId, lsns.length)
  }

  /** Every table is built and checked before the tenant's mirror is opened; names' lengths are checked once it is. */
  #validate(request: TableSchemaRequest, contextId: ContextId): Result<TableSchema[], OperationError> {
    const reserved = identifierKey(metadataTableName(contextId))
    const seen = new Set<string>()
    const schemas: TableSchema[] = []
    for (const wire of request.tables) {
      const schema = this.#schemas.build(wire)
      if (!schema.ok) return schema
      const key = identifierKey(schema.value.name)
      if (key === reserved) return err({ kind: 'ReservedTableName', table: schema.value.name })
      if (seen.has(key)) return err({ kind: 'DuplicateTable', table: schema.value.name })
      seen.add(key)
      schemas.push(schema.value)
    }
    return ok(schemas)
  }

  async #syncTable(
    mirror: TenantMirror,
    schema: TableSchema,
    clientState: string,
  ): Promise<Result<number, OperationError>> {
    const { db, state } = mirror
    const key = identifierKey(schema.name)
    let hash = this.#hashes.get(schema)
    if (hash === undefined) {
      hash = this.#deps.hasher.hash(schemaFingerprint(schema))
      this.#hashes.set(schema, hash)
    }
    const stored = state.tables.get(key)
    const exists = state.physicalTables.has(key)

    let lsn: number
    let change: 'None' | 'Created' | 'Altered' | 'Recreated' = 'None'
    let detail = ''
    if (stored && exists && stored.schemaHash === hash) {
      lsn = stored.lsn
    } else {
      const plan = choosePlan(schema, stored?.schema, stored !== undefined, exists)
      const applied = await mirror.write([schema.name], (locked) => locked.applyTablePlan(plan, hash))
      if (!applied.ok) return applied
      lsn = applied.value.lsn
      change = applied.value.change
      detail = describePlan(plan, change)
      for (const warning of applied.value.warnings) {
        await runHook('logEvent', () =>
          this.#deps.admin.logEvent?.({
            contextId: db.contextId,
            operation: 'TableSchema',
            type: 'Warning',
            message: warning,
          }),
        )
      }
    }

    const hook = await runHook('onBeforeReplicateTable', () =>
      this.#deps.admin.onBeforeReplicateTable?.({
        contextId: db.contextId,
        table: schema.name,
        change,
        clientState,
        detail,
      }),
    )
    return hook.ok ? ok(lsn) : hook
  }

  async #dropAbsent(mirror: TenantMirror, requested: readonly TableSchema[]) {
    const wanted = new Set(requested.map((s) => identifierKey(s.name)))
    const absent = [...mirror.state.tables.values()].filter(
      (t) => t.createdByMirror && !wanted.has(identifierKey(t.table)),
    )
    if (absent.length === 0) return ok(undefined)
    const names = absent.map((t) => t.table)
    return mirror.write(names, (db) => db.dropTables(names))
  }
}

/**
 * The first name longer than the tenant's engine keeps (the metadata table's, then each table's
 * and its columns', in request order), as the call's error; undefined when every name fits.
 */
function tooLong(
  contextId: ContextId,
  schemas: readonly TableSchema[],
  limit: IdentifierLimit,
): OperationError | undefined {
  const names = [metadataTableName(contextId), ...schemas.flatMap((s) => [s.name, ...s.columns.map((c) => c.name)])]
  const long = names.find((name) => !fitsIdentifierLimit(name, limit))
  return long === undefined
    ? undefined
    : { kind: 'IdentifierTooLong', name: long, limit: `${limit.length} ${limit.unit}` }
}

/**
 * A table that exists without a usable record of how it was built is replaced: that is how an
 * operator forces a resync (delete its metadata row), and the only safe reading of a schema
 * the mirror cannot parse any more.
 */
function choosePlan(
  desired: TableSchema,
  current: TableSchema | undefined,
  hasMetadata: boolean,
  exists: boolean,
): TablePlan {
  if (!exists) return { kind: 'create', table: desired }
  if (!hasMetadata) return { kind: 'recreate', from: undefined, table: desired, reason: 'table had no metadata row' }
  if (!current) return { kind: 'recreate', from: undefined, table: desired, reason: 'stored schema is unreadable' }
  return planTable(desired, current)
}
