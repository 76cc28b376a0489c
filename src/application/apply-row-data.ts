import { type ChangeBatch, type DecodeOptions, decodeBatch } from '../domain/changes/change-batch.ts'
import type { Lsn } from '../domain/changes/lsn.ts'
import type { VerifiedCall } from '../domain/handshake/token-claims.ts'
import type { RowDataRequest, WireRowBatch } from '../domain/protocol/messages.ts'
import { identifierKey, identifierProblem } from '../domain/schema/identifier.ts'
import { formatSqlServerType } from '../domain/schema/sql-server-type.ts'
import { buildTableSchema, findColumn, type TableSchema } from '../domain/schema/table-schema.ts'
import { clip } from '../domain/shared/clip.ts'
import { err, ok, type Result } from '../domain/shared/result.ts'
import type { MirroringDeps } from './mirroring-deps.ts'
import type { OperationError } from './operation-error.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import { runMirror } from './operation-support.ts'
import { type BatchOutcome, type MirrorState, StaleStateError } from './ports/mirror-database.port.ts'
import { openTenantMirror, type TenantMirror, tenantCall } from './tenant-call.ts'

export interface SupersededBatch {
  readonly table: string
  readonly lsn: Lsn
  readonly storedLsn: Lsn
}

/** Where a RowData call's time went after its body was read, by the deps' stopwatch. */
export interface RowDataTimes {
  /** Checking every batch against the mirror and decoding its values. */
  readonly decodeMs: number
  /** Waiting for the tables' locks and writing all batches with their LSNs in one transaction. */
  readonly writeMs: number
}

export interface RowDataResult {
  /** The batches written. */
  readonly batches: readonly ChangeBatch[]
  /** Batches acknowledged without writing: the table already held a later LSN. */
  readonly superseded: readonly SupersededBatch[]
  /** Present when the deps have a stopwatch. */
  readonly times?: RowDataTimes
}

/** The state a call was decoded against was out of date: read it again. */
const STALE = Symbol('stale')

interface Written {
  readonly batches: readonly ChangeBatch[]
  readonly outcomes: readonly BatchOutcome[]
  /** When the write began, by the deps' stopwatch. */
  readonly writing: number
}

/** Refusals that a table changed by another instance since this one last read it would explain. */
function refusedOnState(error: OperationError): boolean {
  return error.kind === 'TableNotInMirror' || error.kind === 'TableInfoMismatch'
}

/**
 * RowData (protocol.md §3.4, wire-profile §4–§5): decodes every batch of the call first, so
 * that one bad value writes nothing, then applies all batches with their LSNs in one
 * transaction while holding the (tenant, table) locks of every table involved.
 */
export class ApplyRowData {
  readonly #deps: MirroringDeps

  constructor(deps: MirroringDeps) {
    this.#deps = deps
  }

  execute(request: RowDataRequest): Promise<OperationOutcome<RowDataResult>> {
    return tenantCall(
      this.#deps,
      'RowData',
      request.signedToken,
      (call) => this.#run(request, call),
      describeSuperseded,
    )
  }

  async #run(request: RowDataRequest, { contextId }: VerifiedCall): Promise<OperationOutcome<RowDataResult>> {
    const rows = request.batches.reduce((n, b) => n + b.rows.length, 0)
    const tables = new Set(request.batches.map((b) => identifierKey(b.table.name))).size
    if (request.batches.length === 0) return outcome(ok({ batches: [], superseded: [] }), contextId)

    const names = request.batches.map((b) => b.table.name)
    // What this instance last knew of the tables will do (no catalog read). When that state
    // refuses a batch, or the write finds that another instance changed a table meanwhile, the
    // call is decoded and written again against a fresh read, once.
    const opened = await openTenantMirror(this.#deps, contextId, undefined, names, { reuse: true })
    if (!opened.ok) return outcome(opened, contextId, tables, rows)
    const mirror = opened.value
    const decoding = this.#deps.stopwatch?.() ?? 0
    let done = await this.#attempt(request, names, mirror, mirror.state, false)
    if (done === STALE) {
      const read = await runMirror(undefined, () => mirror.db.readState(names))
      if (!read.ok) return outcome(read, contextId, tables, rows)
      done = await this.#attempt(request, names, mirror, read.value, true)
    }
    if (done === STALE) throw new Error('a fresh read of the mirror was found stale')
    if (!done.ok) return outcome(done, contextId, tables, rows)
    const { batches, outcomes, writing } = done.value
    const stopwatch = this.#deps.stopwatch
    const times = stopwatch && { decodeMs: writing - decoding, writeMs: stopwatch() - writing }
    const written: ChangeBatch[] = []
    const superseded: SupersededBatch[] = []
    batches.forEach((batch, i) => {
      const applied = outcomes[i]
      if (!applied || applied.applied) written.push(batch)
      else superseded.push({ table: batch.table.name, lsn: batch.lsn, storedLsn: applied.storedLsn })
    })
    return outcome(ok({ batches: written, superseded, ...(times ? { times } : {}) }), contextId, tables, rows)
  }

  /**
   * Decodes every batch against `state`, then writes them all under the tables' locks. With a
   * reused state (`fresh` false) a refusal that a newer state might not make comes back as STALE.
   */
  async #attempt(
    request: RowDataRequest,
    names: readonly string[],
    mirror: TenantMirror,
    state: MirrorState,
    fresh: boolean,
  ): Promise<Result<Written, OperationError> | typeof STALE> {
    const { writesInPlace, encodeInPlace } = mirror.db
    const decoded = this.#decodeAll(
      request,
      state,
      writesInPlace === true ? { inPlace: true, encode: encodeInPlace } : {},
    )
    if (!decoded.ok) return !fresh && refusedOnState(decoded.error) ? STALE : decoded
    const writing = this.#deps.stopwatch?.() ?? 0
    const applied = await mirror.write(names, async (db) => {
      try {
        return await db.applyBatches(decoded.value, this.#deps.staleBatches ?? 'skip')
      } catch (error) {
        if (error instanceof StaleStateError && !fresh) return STALE
        throw error
      }
    })
    if (!applied.ok) return applied
    if (applied.value === STALE) return STALE
    return ok({ batches: decoded.value, outcomes: applied.value, writing })
  }

  #decodeAll(
    request: RowDataRequest,
    state: MirrorState,
    options: DecodeOptions,
  ): Result<ChangeBatch[], OperationError> {
    const batches: ChangeBatch[] = []
    for (const wire of request.batches) {
      const batch = this.#decode(wire, state, options)
      if (!batch.ok) return batch
      batches.push(batch.value)
    }
    return ok(batches)
  }

  #decode(wire: WireRowBatch, state: MirrorState, options: DecodeOptions): Result<ChangeBatch, OperationError> {
    const problem = identifierProblem(wire.table.name)
    if (problem) return err({ kind: 'InvalidTableName', table: clip(wire.table.name), reason: problem })
    const stored = state.tables.get(identifierKey(wire.table.name))
    if (!stored?.schema || !state.physicalTables.has(identifierKey(wire.table.name))) {
      return err({ kind: 'TableNotInMirror', table: wire.table.name })
    }
    const mirror = stored.schema
    const keyColumns = new Map([[identifierKey(mirror.name), mirror.key.map((i) => mirror.columns[i]!.name)]])
    const info = buildTableSchema(wire.table, { keyColumns })
    if (!info.ok) return info
    const mismatch = tableInfoMismatch(info.value, mirror)
    if (mismatch) return err({ kind: 'TableInfoMismatch', table: mirror.name, reason: mismatch })
    // Rows are applied under the mirror's own names, whatever case TableInfo used.
    const named: TableSchema = {
      ...info.value,
      name: mirror.name,
      columns: info.value.columns.map((c) => ({ ...c, name: findColumn(mirror, c.name)!.name })),
    }
    return decodeBatch(wire, named, options)
  }
}

/** TableInfo may list fewer columns than the mirror, in any order, but each must match by name and type. */
function tableInfoMismatch(info: TableSchema, mirror: TableSchema): string | undefined {
  for (const column of info.columns) {
    const target = findColumn(mirror, column.name)
    if (!target) return `column ${column.name} is not in the mirror`
    const sent = formatSqlServerType(column.type)
    const kept = formatSqlServerType(target.type)
    if (sent !== kept) return `column ${column.name} is ${sent} in TableInfo but ${kept} in the mirror`
  }
  return undefined
}

/** Says which batches were older than their table's LSN, for the LogEvent hook. */
export function describeSuperseded(result: RowDataResult): string | undefined {
  if (result.superseded.length === 0) return undefined
  const each = result.superseded.map((b) => `${b.table} LSN ${b.lsn} < ${b.storedLsn}`).join(', ')
  return `acknowledged without writing, the mirror already holds a later LSN: ${clip(each, 300)}`
}
